// Package config reads lathe's configuration file
// ($XDG_CONFIG_HOME/lathe/config.toml). Every key is optional: a missing file
// or key means the default, and an unknown key is an error that names it, so
// a typo is not silently ignored.
package config
