import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** HSTS max-age: 180 days. */
const HSTS = 'max-age=15552000; includeSubDomains';

/**
 * The security headers of every answer (helmet): a Content-Security-Policy the dashboard passes
 * with no inline script or style and no eval (its bundle and styles are files or constructed
 * style sheets), `frame-ancestors 'none'` (no clickjacking), `nosniff`, `Referrer-Policy:
 * no-referrer`. HSTS only on a request that came over HTTPS (`req.secure`, which honours
 * `OASIS_TRUST_PROXY`): an admin reached over plain HTTP on a LAN must not pin itself to HTTPS.
 */
export function securityHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          // Socket.IO (same origin, ws:/wss: included in 'self' by CSP 3).
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
    (req, res, next) => {
      if (req.secure) res.set('Strict-Transport-Security', HSTS);
      next();
    },
  ];
}
