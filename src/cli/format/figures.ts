// The glyph table is src/figures.ts (the base floor), so that the sh scripts install writes render their lines the same way.
export { render, type Shown } from '../../figures.js';
