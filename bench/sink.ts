/**
 * The bridge with no browser, for `bench/terminal.ts`: a loopback client in a process of its own
 * that runs a block and acknowledges each output frame the moment it arrives, as the page's
 * terminal would if drawing took no time. What it measures is the most any page could stream
 * from this bridge on this machine: the pty, the bridge and the socket, with nothing to draw.
 *
 *   node bench/sink.ts <bridge url> <origin> <token> <block> <bytes> <cols>x<rows> <command>
 *
 * Prints `{ "seconds": …, "endedAt": … }`: from sending the run to acknowledging byte <bytes> of
 * its output, and when that was (wall-clock milliseconds). Exits 1, saying why, if the bridge
 * refuses the run, closes the socket, or the run ends short of <bytes>.
 */
import WebSocket from 'ws';
import { decodeOutput, PROTOCOL_VERSION, type ServerMessage } from '../src/protocol.ts';

const [url, origin, token, block, size, terminal, command] = process.argv.slice(2);
const [cols, rows] = (terminal ?? '').split('x').map(Number);
if (!url || !origin || !token || !block || !size || !cols || !rows || command === undefined) {
	console.error(
		'usage: node bench/sink.ts <bridge url> <origin> <token> <block> <bytes> <cols>x<rows> <command>',
	);
	process.exit(2);
}
const bytes = Number(size);
const fail = (why: string) => {
	console.error(`bench/sink.ts: ${why}`);
	process.exit(1);
};
const socket = new WebSocket(url, { origin });
const send = (message: unknown) => socket.send(JSON.stringify(message));
let started = 0;
let run = '';
let done = false;
socket.on('open', () => send({ type: 'hello', version: PROTOCOL_VERSION, token }));
socket.on('message', (data: Buffer, binary) => {
	if (!binary) {
		const message = JSON.parse(data.toString()) as ServerMessage;
		if (message.type === 'welcome') {
			started = performance.now();
			send({ type: 'run', ref: 'sink', block, params: { bytes: size }, command, cols, rows });
		} else if (message.type === 'started') run = message.run.id;
		else if (message.type === 'refused') fail(`the bridge refused the run: ${message.message}`);
		else if (message.type === 'run' && message.run.id === run && message.run.state === 'exited') {
			if (!done) fail(`the run ended after ${message.run.outputBytes} of ${bytes} bytes`);
		}
		return;
	}
	// A Buffer is a Uint8Array already: no copy of the 50 MiB.
	const frame = decodeOutput(data);
	if (frame.run !== run || done) return;
	const end = frame.offset + frame.data.length;
	send({ type: 'ack', run, bytes: end });
	if (end >= bytes) {
		done = true;
		const seconds = (performance.now() - started) / 1000;
		console.log(JSON.stringify({ seconds, endedAt: Date.now() }));
		socket.close();
	}
});
socket.on('close', (code, reason) => {
	if (!done) fail(`the bridge closed the socket (${code} ${reason.toString()})`);
});
socket.on('error', (error) => fail(error.message));
