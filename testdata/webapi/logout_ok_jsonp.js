cb_1({"response":{"statusCode":200,"statusText":"OK","requestId":"req 1","data":{}}});
