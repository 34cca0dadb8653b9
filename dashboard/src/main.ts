/** Dashboard entry: registers every element. `scripts/build-dashboard.mjs` bundles from here. */
import './oasis-login.js';
import './oasis-app-list.js';
import './oasis-job-list.js';
import './oasis-app.js';
