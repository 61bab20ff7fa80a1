/**
 * The page's entry point (scripts/bundle-page.mjs bundles it into dist/page/app.js): takes a
 * token handed in the address's fragment, then renders the App into index.html's #app.
 */
import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './app.js';
import { adoptTokenFromFragment } from './token-store.js';
import './app.css';

adoptTokenFromFragment(window.location, window.history);
const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
