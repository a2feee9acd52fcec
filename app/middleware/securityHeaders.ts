import { Application, Context } from 'egg';

/**
 * egg-security adds its headers after the route has answered, so an error thrown below it
 * (every 4xx/5xx, which errorHandler turns into the envelope) would go out without them.
 * This middleware sits outermost and sets the same headers, from the same
 * `config.security` switches, on every response.
 */
export default (_options: unknown, app: Application) => {
  const { nosniff, xframe, noopen, xssProtection } = app.config.security as any;
  const headers: Record<string, string> = {};
  if (nosniff?.enable) headers['x-content-type-options'] = 'nosniff';
  if (xframe?.enable) headers['x-frame-options'] = xframe.value || 'SAMEORIGIN';
  if (noopen?.enable) headers['x-download-options'] = 'noopen';
  if (xssProtection?.enable) headers['x-xss-protection'] = xssProtection.value;

  return async function securityHeaders(ctx: Context, next: () => Promise<void>) {
    // Set first: errorHandler (inside) catches everything, so nothing resets them.
    ctx.set(headers);
    await next();
  };
};
