package tvauth
