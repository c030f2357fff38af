import { mount } from 'svelte';

import App from './App.svelte';
import { detectLocale } from './lib/i18n/index.svelte';
import './app.css';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element to mount the console in');

export default mount(App, {
  target,
  props: { initialLocale: detectLocale(navigator.languages) },
});
