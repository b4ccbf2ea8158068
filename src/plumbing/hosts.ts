import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether `host` is this machine: a loopback name (`localhost`, `*.localhost`) or address
 * (127.0.0.0/8, ::1 in its spellings, IPv4-mapped 127.x), with or without IPv6's brackets, or a
 * Unix socket's folder (PostgreSQL's). What crosses no network.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name.startsWith('/') || name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (isIPv6(name)) return name === '::1' || /^::ffff:127\./.test(name) || /^(0{1,4}:){7}0{0,3}1$/.test(name);
  return false;
}
