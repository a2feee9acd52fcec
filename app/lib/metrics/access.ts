// README "Metrics", who may scrape GET /metrics. The rule:
//   1. `Authorization: Bearer <METRICS_TOKEN>` with the right token (compared in constant time), or
//   2. a client address in METRICS_ALLOW_IPS (addresses or CIDR ranges; loopback by default).
//      The address is Egg's ctx.ip: X-Forwarded-For counts only with TRUST_PROXY on. With it off,
//      a request carrying a forwarding header came through some proxy whose own address says
//      nothing about the client, so it is never allowed by address, only by token.
// Anything else gets the contract's 404 envelope, as if the route did not exist; with
// METRICS_ALLOW_IPS empty and METRICS_TOKEN unset the route is off for everyone.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

export interface MetricsAccess {
  allowIps: string[];
  token: string;
}

const FORWARDING_HEADERS = [ 'x-forwarded-for', 'x-real-ip', 'forwarded' ];

/** The allow list as a BlockList; throws on an entry that is not an address or a CIDR range. */
export function allowList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ address, bits, extra ] = entry.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128)))) {
      throw new Error(`METRICS_ALLOW_IPS: "${entry}" is not an IP address or CIDR range`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

/** Whether `ip` (IPv4-mapped IPv6 counts as IPv4) is on the list. */
export function addressAllowed(list: BlockList, ip: string): boolean {
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The bearer token matches `token` (digests compared, so neither length nor content leaks by timing). */
export function tokenAllowed(authorization: string, token: string): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/i.exec(authorization.trim())?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

export interface ScrapeRequest {
  ip: string;
  authorization: string;
  headers: Record<string, unknown>;
  trustProxy: boolean;
}

export function scrapeAllowed(list: BlockList, token: string, req: ScrapeRequest): boolean {
  if (tokenAllowed(req.authorization, token)) return true;
  if (!req.trustProxy && FORWARDING_HEADERS.some(name => req.headers[name] !== undefined)) return false;
  return addressAllowed(list, req.ip);
}
