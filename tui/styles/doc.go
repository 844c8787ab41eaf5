// Package styles is the app's looks: one Styles value built from a theme's
// semantic palette (themes.Palette) at start and passed down explicitly to
// every page and part, so nothing reads a colour from a global. Without
// colour (NO_COLOR, the no-colour theme) the styles draw plain text, and
// the app shows state by marks (›, ●, ★) as well as by colour.
package styles
