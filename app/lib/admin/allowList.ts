// ADMIN_ALLOW_IPS (CONTRACT-admin §3): a CIDR list; an address outside it sees /admin as unknown.
import { BlockList, isIP } from 'node:net';

/** A matcher for the list; an empty list allows every address. Throws on an entry that is not an address or CIDR. */
export function allowListOf(entries: string[]): (ip: string | null) => boolean {
  if (!entries.length) return () => true;
  const list = new BlockList();
  for (const entry of entries) {
    const [ address, bits ] = entry.split('/');
    const family = isIP(address);
    if (!family) throw new Error(`ADMIN_ALLOW_IPS: "${entry}" is not an address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)) list.addSubnet(address, Number(bits), type);
    else throw new Error(`ADMIN_ALLOW_IPS: "${entry}" has a bad prefix length`);
  }
  return ip => {
    if (!ip) return false;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped ? mapped[1] : ip;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
