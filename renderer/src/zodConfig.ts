/**
 * Must be the first import of main.tsx. The shared contract builds zod schemas as it loads, and
 * zod would then probe for eval with `new Function`; under our CSP (no 'unsafe-eval') that probe
 * fails harmlessly but still fires a securitypolicyviolation. jitless skips the probe.
 */
import { z } from 'zod';

z.config({ jitless: true });
