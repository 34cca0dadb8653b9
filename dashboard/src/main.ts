/** Dashboard entry: registers every element (the shell imports the pages). Bundled by `scripts/build-dashboard.mjs`. */
import './oasis-app.js';
