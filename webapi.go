package tvauth

// decodeWebAPIError maps a WebAPI reply that is not an answer. The WebAPI issue replaces this with the
// multi-format decoder (JSON, JSONP, XML, query string).
func decodeWebAPIError(r *response) error {
	return &WebAPIError{HTTPStatus: r.StatusCode}
}
