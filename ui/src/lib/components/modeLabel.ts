/** The desk's mode in words: offline demo, offline, or the server it is connected to. */
import type { DeskInfo } from '../api/wire';
import type { I18n } from '../i18n/index.svelte';

export function modeLabel(i18n: I18n, info: DeskInfo): string {
  if (info.mode === 'connected') return i18n.t('mode.connected', { url: info.server_url ?? '' });
  return info.demo ? i18n.t('mode.offline_demo') : i18n.t('mode.offline');
}
