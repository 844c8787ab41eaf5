package themes

import (
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, name := range Names() {
		p, err := Load(name)
		if err != nil || p.Name != name {
			t.Errorf("%s: %+v %v", name, p, err)
		}
		if name != "no-colour" && (p.Text == "" || len(p.Series) == 0 || p.Colourless()) {
			t.Errorf("%s has empty colours", name)
		}
	}
	if p, _ := Load(""); p.Name != "dark" {
		t.Errorf("default %s", p.Name)
	}
	if _, err := Load("neon"); err == nil || !strings.Contains(err.Error(), "dark, light, high-contrast, no-colour") {
		t.Errorf("unknown theme: %v", err)
	}
}

func TestNoColorWins(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	p, err := Load("dark")
	if err != nil || !p.Colourless() {
		t.Fatalf("NO_COLOR: %+v %v", p, err)
	}
}
