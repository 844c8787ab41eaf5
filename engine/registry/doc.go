// Package registry holds the model registry's rules, apart from the store
// and the engine that apply them: what may name a model or an alias (the
// rules MLflow's users know), how NAME@VERSION and NAME@ALIAS references
// read, which metric a model is judged by when nobody said, and the
// promotion policy (TOML) with its gates: pure functions that judge a
// challenger against the champion and say why, number by number.
package registry
