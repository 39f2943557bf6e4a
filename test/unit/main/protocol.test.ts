import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  createAppRequestHandler,
  mimeTypeFor,
  registerAppScheme,
  resolveAssetPath,
  serveRenderer,
} from '../../../electron/main/protocol';
import { tempDir } from '../../helpers/tmp';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

let root: string;
let handler: (request: Request) => Promise<Response>;

beforeEach(() => {
  electron.resetFakeElectron();
  const base = tempDir('cd-protocol-');
  root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Clusterdeck</title>');
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
  // Outside the served folder: must never be reachable.
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  handler = createAppRequestHandler(root);
});

const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('the app:// scheme', () => {
  it('is standard, secure and fetchable, and gets no privilege that weakens the web model', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });

  it('is registered as privileged before ready, and served from the given folder after', async () => {
    registerAppScheme(electron.protocol as never);
    expect(electron.protocol.privileged).toEqual([APP_SCHEME_PRIVILEGES]);
    expect(electron.protocol.readyWhenRegistered).toEqual([false]);
    serveRenderer(electron.protocol as never, root);
    const response = await electron.protocol.handlers.get('app')!(new Request('app://clusterdeck/index.html'));
    expect(response.status).toBe(200);
  });
});

describe('the app:// handler', () => {
  it('serves index.html for / and sets the strict CSP on it', async () => {
    const response = await get('app://clusterdeck/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Clusterdeck</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('has a CSP that allows only the app itself, no inline code, no framing', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
  });

  it.each([
    ['app://clusterdeck/assets/index-abc.js', 'text/javascript; charset=utf-8'],
    ['app://clusterdeck/assets/index-abc.css', 'text/css; charset=utf-8'],
    ['app://clusterdeck/favicon.svg', 'image/svg+xml'],
  ])('serves %s as %s, with the CSP', async (url, type) => {
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it.each([
    ['app://clusterdeck/..%2fsecret.txt'],
    ['app://clusterdeck/assets%2f..%2f..%2fsecret.txt'],
    ['app://clusterdeck/..%5csecret.txt'],
    ['app://clusterdeck/assets/..%5C..%5Csecret.txt'],
    ['app://clusterdeck/index.html%00.js'],
    ['app://clusterdeck/%E0%A4%A'],
    ['app://clusterdeck/C:%5cWindows%5cwin.ini'],
  ])('refuses the traversal %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('secret');
  });

  it.each([['app://clusterdeck/../../secret.txt'], ['app://clusterdeck/%2e%2e/secret.txt'], ['app://clusterdeck/assets/%2E%2E/%2E%2E/secret.txt']])(
    'keeps %s inside the folder (the URL parser resolves those dot segments first)',
    async (url) => {
      const response = await get(url);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('secret');
    },
  );

  it('answers 404 for a missing file, a folder, and another host', async () => {
    expect((await get('app://clusterdeck/nope.js')).status).toBe(404);
    expect((await get('app://clusterdeck/assets')).status).toBe(404);
    expect((await get('app://elsewhere/index.html')).status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('app://clusterdeck/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('app://clusterdeck/index.html', 'POST')).status).toBe(405);
  });
});

describe('resolveAssetPath', () => {
  it('maps URL paths into the folder', () => {
    expect(resolveAssetPath('/srv/r', '/')).toBe(path.resolve('/srv/r/index.html'));
    expect(resolveAssetPath('/srv/r', '/assets/a%20b.js')).toBe(path.resolve('/srv/r/assets/a b.js'));
  });

  it.each([['/..'], ['/a/../../x'], ['/%2e%2e/x'], ['/a%2f..%2f..%2fx'], ['/a\\..\\x'], ['/x%00'], ['/C:/x'], ['/%ZZ']])('refuses %s', (urlPath) => {
    expect(resolveAssetPath('/srv/r', urlPath)).toBeNull();
  });

  it('holds under Windows path rules too (backslashes, drive letters, UNC)', () => {
    const w = path.win32;
    expect(resolveAssetPath('C:\\app\\renderer', '/assets/x.js', w)).toBe('C:\\app\\renderer\\assets\\x.js');
    for (const urlPath of ['/..%5c..%5cwin.ini', '/D:/secret', '/%5c%5cserver%5cshare', '/C:', '/a/..%5C..%5C..%5Cx']) {
      expect(resolveAssetPath('C:\\app\\renderer', urlPath, w), urlPath).toBeNull();
    }
  });
});

describe('mimeTypeFor', () => {
  it('knows the renderer build types and defaults to octet-stream', () => {
    expect(mimeTypeFor('a.MJS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('a.png')).toBe('image/png');
    expect(mimeTypeFor('a.map')).toBe('application/json; charset=utf-8');
    expect(mimeTypeFor('Makefile')).toBe('application/octet-stream');
  });
});
