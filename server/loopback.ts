/**
 * This computer's names: the only hosts the bridge answers to, whatever address it listens on,
 * so a DNS-rebinding page (`evil.example` resolving to 127.0.0.1) reaches nothing.
 */

export const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a `Host` header names this server on a loopback name or address. */
export function isLoopbackHost(header: string | undefined, port: number): boolean {
	if (!header) return false;
	const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.toLowerCase());
	if (!match) return false;
	const [, name = '', portText] = match;
	return LOOPBACK_NAMES.has(name) && Number(portText ?? 80) === port;
}
