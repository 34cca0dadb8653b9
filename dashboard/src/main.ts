/** Dashboard entry: registers every element (the shell imports the pages). Bundled by `scripts/build-dashboard.mjs`. */
import './oasis-app.js';

// The page's own style as a constructed sheet: the admin's Content-Security-Policy allows no inline <style>.
const page = new CSSStyleSheet();
page.replaceSync('body { margin: 0; background: #fff; }');
document.adoptedStyleSheets = [...document.adoptedStyleSheets, page];
