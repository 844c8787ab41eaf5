// Package themes holds the app's palettes: semantic colours (text, muted,
// accent, ok, warn, error, border…) that the app builds its styles from, so
// no page names a colour. dark, light, high-contrast and no-colour are
// built in; NO_COLOR in the environment chooses no-colour whatever is
// asked. It holds no layout.
package themes
