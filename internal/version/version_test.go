package version

import "testing"

func TestUserAgent(t *testing.T) {
	for in, want := range map[string]string{
		"":                          Product,
		" \t":                       Product,
		"myapp/1.2":                 Product + " myapp/1.2",
		" myapp/1.2 ":               Product + " myapp/1.2",
		Product:                     Product,
		Product + " myapp/1.2":      Product + " myapp/1.2",
		"myapp/1.2 " + Product:      "myapp/1.2 " + Product,
		"a/1 " + Product + " b/2":   "a/1 " + Product + " b/2",
		"iamkit/" + Version + "-rc": "iamkit/" + Version + "-rc",
		"iamkit/0.0.1":              Product + " iamkit/0.0.1",
	} {
		if got := UserAgent(in); got != want {
			t.Errorf("UserAgent(%q) = %q, want %q", in, got, want)
		}
	}
}
