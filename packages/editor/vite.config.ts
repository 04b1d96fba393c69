/**
 * Vite config for the editor. `npm run build -w @loom/editor` writes `dist/`, which the Loom server
 * serves on its own port. `npm run dev -w @loom/editor` proxies the API and sockets to a running
 * server (LOOM_SERVER, default http://127.0.0.1:8188).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const target = process.env.LOOM_SERVER ?? 'http://127.0.0.1:8188';
// The server refuses cross-origin requests, so the dev proxy presents itself as same-origin.
type Outgoing = { removeHeader(name: string): void };
const proxy = {
  target,
  changeOrigin: true,
  configure: (p: { on(event: 'proxyReq' | 'proxyReqWs', listener: (req: Outgoing) => void): void }) => {
    p.on('proxyReq', (req) => req.removeHeader('origin'));
    p.on('proxyReqWs', (req) => req.removeHeader('origin'));
  },
};

export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2500, sourcemap: false },
  server: {
    proxy: {
      '/loom/ws': { ...proxy, ws: true },
      '/loom/api': proxy,
      '/view': proxy,
      '/upload': proxy,
      '/object_info': proxy,
    },
  },
});
