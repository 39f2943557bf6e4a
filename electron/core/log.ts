/** The engine's logger: plain lines on stderr by default, replaceable by the shell. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.error(`[clusterdeck] ${message}`),
  warn: (message) => console.error(`[clusterdeck] warning: ${message}`),
  error: (message, error) => console.error(`[clusterdeck] error: ${message}${error instanceof Error ? `: ${error.message}` : ''}`),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
