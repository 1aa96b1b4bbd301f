package main

import ("context"; "fmt"; "os"; "github.com/tvauth/tvauth")

func main() {
	c, err := tvauth.New(tvauth.WithPassURL(os.Args[1]), tvauth.WithAGSURL(os.Args[1]))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Pass.Logout(context.Background(), tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "x"})
	fmt.Println(res, err)
	sr, err := c.AGS.SignOn(context.Background(), tvauth.SignOnRequest{DeviceInformation: []byte("{}")})
	fmt.Println(sr, err)
}
