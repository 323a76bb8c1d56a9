package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// publicBaseURL returns the operator's public base URL, under which the payload envelopes name
// their schemas ("https://formulare.example.de" + "/schemas/payload/v1.json"): the --base-url
// flag, or http://<addr> for a service used without a proxy in front (an unspecified host,
// ":8080" or "0.0.0.0:8080", becomes localhost). Behind a reverse proxy the flag is needed:
// the envelopes carry the URL to the back office, which fetches the schemas from it.
func publicBaseURL(flagValue, addr string) (string, error) {
	if flagValue == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("--addr „%s“ ist keine Adresse der Form HOST:PORT", addr)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "localhost"
		}
		return "http://" + net.JoinHostPort(host, port), nil
	}
	u, err := url.Parse(flagValue)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--base-url „%s“ ist keine absolute http(s)-Adresse ohne Anfrageteil (z. B. https://formulare.example.de)", flagValue)
	}
	return strings.TrimRight(flagValue, "/"), nil
}
