import { mount } from 'svelte';

import { detectLocale } from '../lib/i18n/index.svelte';
import PhoneApp from './PhoneApp.svelte';
import '../app.css';

const target = document.getElementById('app');
if (target === null) throw new Error('phone.html has no #app element to mount the phone in');

export default mount(PhoneApp, {
  target,
  props: { initialLocale: detectLocale(navigator.languages) },
});
