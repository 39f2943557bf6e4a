import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The renderer is built once and served by both shells: Electron loads it through its
// app:// protocol, `serve` over HTTP. Relative asset paths work under both.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No source maps: `serve` would not hand them out, and the app ships without them.
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
