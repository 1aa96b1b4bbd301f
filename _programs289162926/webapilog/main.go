package main

import ("context"; "fmt"; "os"; "github.com/tvauth/tvauth"; "log/slog")

func main() {
	c, err := tvauth.New(tvauth.WithWebAPIURL(os.Args[1]), tvauth.WithWebAPIDevID("d"),
		tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		fmt.Println(err)
		return
	}
	sess, err := c.WebAPI.ClientLogin(context.Background(), tvauth.ClientLoginRequest{LoginID: "u", Password: "p"})
	fmt.Println(sess, err)
}
