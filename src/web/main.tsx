/** The browser view's entry (docs/web.md): bundled by scripts/build-web.mjs into dist/web/app.js. */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { App } from './app';

const root = document.getElementById('app');
if (root) render(<App />, root);
