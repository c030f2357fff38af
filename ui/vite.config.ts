/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell loads this dev server in `tauri dev` (see devUrl in
// ../tauri.conf.json), so the port is fixed and a busy port is an error, not a
// silent move to another one the shell would never find.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    host: 'localhost',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.40+ and WebView2 both run ES2022; nothing older ships the console.
    target: 'es2022',
    // Nothing inlined as data: URLs, so the strict CSP needs no exceptions.
    assetsInlineLimit: 0,
    // Two pages: the console (main window) and the offline demo's customer phone (window `phone`).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        phone: fileURLToPath(new URL('./phone.html', import.meta.url)),
      },
    },
  },
  // The face model's worker imports its weights' manifests and tfjs as modules.
  worker: { format: 'es' },
  // Svelte 5's `mount` needs its browser build under jsdom, or it fails with
  // `lifecycle_function_unavailable`.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
