/**
 * The bridge with no browser, for `bench/terminal.ts`: a loopback client in a process of its own
 * that runs a block and acknowledges each output frame the moment it arrives, as the page's
 * terminal would if drawing took no time. What it measures is the most any page could stream
 * from this bridge on this machine: the pty, the bridge and the socket, with nothing to draw.
 *
 *   node bench/sink.ts <bridge url> <origin> <token> <block> <bytes> <command>
 *
 * Prints `{ "seconds": …, "endedAt": … }`: from sending the run to acknowledging byte <bytes> of
 * its output, and when that was (wall-clock milliseconds).
 */
import WebSocket from 'ws';
import { decodeOutput, PROTOCOL_VERSION } from '../src/protocol.ts';

const [url, origin, token, block, size, command] = process.argv.slice(2);
if (!url || !origin || !token || !block || !size || command === undefined) {
	console.error(
		'usage: node bench/sink.ts <bridge url> <origin> <token> <block> <bytes> <command>',
	);
	process.exit(2);
}
const bytes = Number(size);
const socket = new WebSocket(url, { origin });
const send = (message: unknown) => socket.send(JSON.stringify(message));
let started = 0;
let run = '';
let done = false;
socket.on('open', () => send({ type: 'hello', version: PROTOCOL_VERSION, token }));
socket.on('message', (data: Buffer, binary) => {
	if (!binary) {
		const message = JSON.parse(data.toString()) as {
			type: string;
			message?: string;
			run?: { id: string };
		};
		if (message.type === 'welcome') {
			started = performance.now();
			send({
				type: 'run',
				ref: 'sink',
				block,
				params: { bytes: size },
				command,
				cols: 120,
				rows: 30,
			});
		} else if (message.type === 'started') run = message.run!.id;
		else if (message.type === 'refused' || message.type === 'error') {
			console.error(`refused: ${message.message}`);
			process.exit(1);
		}
		return;
	}
	const frame = decodeOutput(new Uint8Array(data));
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
socket.on('error', (error) => {
	console.error(error.message);
	process.exit(1);
});
