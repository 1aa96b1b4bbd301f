statusCode=430&statusText=Source%20Rate%20Limit%20Reached
