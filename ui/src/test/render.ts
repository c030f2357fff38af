/** Renders the console or the phone against the mock shell. */
import { render } from '@testing-library/svelte';

import App from '../App.svelte';
import type { Locale } from '../lib/i18n/index.svelte';
import PhoneApp from '../phone/PhoneApp.svelte';
import { fakeAdvisor, fakeUrls } from './ipc';

export function renderConsole(initialLocale: Locale = 'en') {
  return render(App, { props: { initialLocale, urls: fakeUrls, searchDelayMs: 20, advisor: fakeAdvisor } });
}

export function renderPhone(initialLocale: Locale = 'en') {
  return render(PhoneApp, { props: { initialLocale, urls: fakeUrls } });
}
