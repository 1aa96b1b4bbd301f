statusCode=200&statusText=OK&requestId=req%201
