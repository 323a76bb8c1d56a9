package main

import (
	"strings"
	"testing"
)

func TestPublicBaseURL(t *testing.T) {
	for _, tc := range []struct{ flag, addr, want string }{
		{"", "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"", ":8080", "http://localhost:8080"},
		{"", "0.0.0.0:80", "http://localhost:80"},
		{"", "[::]:8080", "http://localhost:8080"},
		{"", "[::1]:8080", "http://[::1]:8080"},
		{"https://formulare.example.de/", "127.0.0.1:8080", "https://formulare.example.de"},
		{"https://example.de/ozg", ":8080", "https://example.de/ozg"},
	} {
		got, err := publicBaseURL(tc.flag, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("publicBaseURL(%q, %q) = %q, %v; want %q", tc.flag, tc.addr, got, err, tc.want)
		}
	}
	for _, bad := range []string{"formulare.example.de", "ftp://example.de", "https://example.de/?x=1", "https://user:pw@example.de", "https://"} {
		if _, err := publicBaseURL(bad, ":8080"); err == nil || !strings.Contains(err.Error(), "--base-url") {
			t.Errorf("publicBaseURL(%q) = %v, want an error naming --base-url", bad, err)
		}
	}
}
