statusCode=200&statusText=OK&token_a=%2FwEAAAAAhEha%2Bb%2Fc%3D&token_expiresIn=1209600&sessionSecret=7dk4E65PvLSalhge&hostTime=1311369996
