// The DOM helpers every drawing module uses: find an element, make one with text (never
// markup), the dark-theme query and the themes' background colours.

export const BACKGROUND = { light: "#ffffff", dark: "#16181c" }; // the theme's --bg, for contrast

export const $ = (id) => document.getElementById(id);
export const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
};
export const darkQuery = matchMedia("(prefers-color-scheme: dark)");
