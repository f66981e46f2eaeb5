// receiver.mjs is the tour's webhook receiver: a Node HTTP server on
// 127.0.0.1 (a port the kernel picks) with one path per endpoint,
// /r/<label>. It keeps every request as it arrived and verifies each
// with both libraries a customer would use: the Svix SDK's Webhook class
// (reading the svix-* headers) and standardwebhooks (reading webhook-*).

import { createServer } from "node:http";
import { EventEmitter } from "node:events";
import { Webhook as SvixWebhook } from "svix";
import { Webhook as StandardWebhook } from "standardwebhooks";

const maxBody = 1 << 20; // the tour's payloads are small; refuse anything odd

export async function startReceiver() {
	const deliveries = [];
	const answers = new Map(); // label -> status to answer (default 200)
	const events = new EventEmitter();
	const server = createServer((req, res) => {
		const chunks = [];
		let size = 0;
		req.on("data", (chunk) => {
			size += chunk.length;
			if (size <= maxBody) chunks.push(chunk);
		});
		req.on("end", () => {
			const label = decodeURIComponent(new URL(req.url, "http://receiver").pathname.replace(/^\/r\//, ""));
			const status = answers.get(label) ?? 200;
			const d = {
				label,
				method: req.method,
				headers: { ...req.headers }, // Node lower-cases header names
				body: Buffer.concat(chunks).toString("utf8"),
				tooBig: size > maxBody,
				status,
				at: Date.now(),
			};
			deliveries.push(d);
			res.writeHead(status, { "content-type": "text/plain" });
			res.end(status < 300 ? "ok" : "failing on purpose");
			events.emit("delivery", d);
		});
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	const base = `http://127.0.0.1:${server.address().port}`;

	return {
		deliveries,
		url: (label) => `${base}/r/${encodeURIComponent(label)}`,
		// answer sets the status the receiver answers on label's path.
		answer(label, status) {
			answers.set(label, status);
		},
		// waitFor resolves true once pred(deliveries) holds, false after ms.
		waitFor(pred, ms) {
			if (pred(deliveries)) return Promise.resolve(true);
			return new Promise((resolve) => {
				const onDelivery = () => {
					if (pred(deliveries)) done(true);
				};
				const timer = setTimeout(() => done(pred(deliveries)), ms);
				function done(v) {
					clearTimeout(timer);
					events.off("delivery", onDelivery);
					resolve(v);
				}
				events.on("delivery", onDelivery);
			});
		},
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections?.();
				server.close(() => resolve());
			}),
	};
}

// verifyDelivery checks one delivery against the endpoint's secrets (any
// of them may have signed it, across rotations) with both libraries, and
// that the two header families agree. It returns the problems found and
// which secrets' signatures were present.
export function verifyDelivery(d, secrets) {
	const problems = [];
	const h = d.headers;
	if (d.method !== "POST") problems.push(`method ${d.method}, want POST`);
	if (d.tooBig) problems.push("body over 1 MiB");
	for (const name of ["id", "timestamp", "signature"]) {
		if (!h[`webhook-${name}`]) problems.push(`no webhook-${name} header`);
		if (h[`svix-${name}`] !== h[`webhook-${name}`]) {
			problems.push(`svix-${name} ${JSON.stringify(h[`svix-${name}`])} differs from webhook-${name} ${JSON.stringify(h[`webhook-${name}`])}`);
		}
	}
	const svixHeaders = { "svix-id": h["svix-id"], "svix-timestamp": h["svix-timestamp"], "svix-signature": h["svix-signature"] };
	const swHeaders = { "webhook-id": h["webhook-id"], "webhook-timestamp": h["webhook-timestamp"], "webhook-signature": h["webhook-signature"] };
	const signedBy = [];
	let svixErr = "no secret known for this endpoint";
	let swErr = svixErr;
	let svixOK = false;
	let swOK = false;
	for (const secret of secrets) {
		let thisOne = false;
		try {
			new SvixWebhook(secret).verify(d.body, svixHeaders);
			svixOK = thisOne = true;
		} catch (err) {
			svixErr = err.message;
		}
		try {
			new StandardWebhook(secret).verify(d.body, swHeaders);
			swOK = true;
		} catch (err) {
			swErr = err.message;
		}
		if (thisOne) signedBy.push(secret);
	}
	if (!svixOK) problems.push(`svix Webhook.verify failed with every secret of the endpoint: ${svixErr}`);
	if (!swOK) problems.push(`standardwebhooks Webhook.verify failed with every secret of the endpoint: ${swErr}`);
	return { problems, signedBy };
}
