import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/ and served by generator-backend at `/` (absolute asset paths under base
// '/'; SPA fallback on the server, hash routes in the page). `npm run dev -w web/dashboard`
// serves the sources with the API proxied to a running generator-backend.
const backend = process.env['DASHBOARD_BACKEND_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Chromium ≥ 114 is needed anyway for exact JSON numbers (the reviver's context.source).
    target: 'es2023',
    sourcemap: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    proxy: {
      // Server-sent events pass through as a stream (no buffering in Vite's proxy).
      '/api': { target: backend, changeOrigin: false },
    },
  },
});
