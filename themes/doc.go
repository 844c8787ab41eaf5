// Package themes will hold the app's semantic palettes (text, muted, accent,
// ok, warn, error, border) and their loading; the app builds its styles from
// one. It holds no layout.
package themes
