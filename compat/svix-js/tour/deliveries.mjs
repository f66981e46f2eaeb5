// deliveries.mjs settles the account at the end of the tour: every request
// the receiver got is verified with both libraries and matched to a
// message the tour sent to that endpoint, every expected delivery has
// come, and Hookline's attempt log for each endpoint says exactly what the
// receiver saw.

import { listAll } from "./util.mjs";

export async function reconcile(ctx) {
	const { t, rcv, wait } = ctx;
	const complete = await ctx.waitDeliveries();
	t.check("deliveries: every expected delivery arrived", complete ? [] : [`after ${wait} ms some had not (see below)`]);
	const labels = [...new Set([...ctx.expected.keys(), ...rcv.deliveries.map((d) => d.label)])].sort();
	for (const label of labels) {
		const got = rcv.deliveries.filter((d) => d.label === label);
		t.check(`deliveries to ${label}: ${got.length}, each verified by svix Webhook and standardwebhooks, with the payload and headers sent`, verifyAll(ctx, label, got));
		t.check(`deliveries to ${label}: each matches a message sent to it`, matchAll(ctx, label, got));
		if (ctx.endpointIds.has(label)) await attemptLog(ctx, label, got);
	}
}

function verifyAll(ctx, label, got) {
	const problems = [];
	const secrets = ctx.secrets.get(label) ?? [];
	for (const d of got) {
		const id = d.headers["webhook-id"];
		const { problems: p } = ctx.verifyDelivery(d, secrets);
		for (const x of p) problems.push(`${id}: ${x}`);
		const sent = ctx.messages.get(id);
		if (sent) {
			let body;
			try {
				body = JSON.parse(d.body);
			} catch {
				problems.push(`${id}: body ${JSON.stringify(d.body.slice(0, 200))} is not JSON`);
			}
			if (body !== undefined && JSON.stringify(sortKeys(body)) !== JSON.stringify(sortKeys(sent.payload))) {
				problems.push(`${id}: body ${d.body.slice(0, 200)}, want the payload sent, ${JSON.stringify(sent.payload)}`);
			}
		}
		if (!/^application\/json/.test(d.headers["content-type"] ?? "")) problems.push(`${id}: content-type ${d.headers["content-type"]}, want application/json`);
		if (label === "main" && ctx.mainHeaders) {
			for (const [k, v] of Object.entries(ctx.mainHeaders.want)) {
				if (d.headers[k] !== v) problems.push(`${id}: header ${k}: ${JSON.stringify(d.headers[k])}, want ${JSON.stringify(v)}`);
			}
			for (const k of ctx.mainHeaders.absent) if (k in d.headers) problems.push(`${id}: header ${k} was deleted, yet sent`);
		}
	}
	return problems;
}

function matchAll(ctx, label, got) {
	const problems = [];
	const want = ctx.expected.get(label) ?? new Map();
	const seen = new Map(); // msg ID -> {ok, failed}
	for (const d of got) {
		const id = d.headers["webhook-id"];
		const s = seen.get(id) ?? { ok: 0, failed: 0 };
		if (d.status < 300) s.ok++;
		else s.failed++;
		seen.set(id, s);
	}
	for (const [id, s] of seen) {
		if (!want.has(id)) {
			const what = ctx.messages.get(id)?.eventType ?? "a message the tour did not send";
			problems.push(`${id} (${what}) arrived ${s.ok + s.failed} times, want never`);
		}
	}
	for (const [id, w] of want) {
		const s = seen.get(id) ?? { ok: 0, failed: 0 };
		if (s.ok !== w.ok) problems.push(`${id} (${ctx.messages.get(id)?.eventType}) delivered ${s.ok} times, want ${w.ok}`);
		if (w.failed && s.failed === 0) problems.push(`${id} never failed, want at least one failed delivery`);
		if (!w.failed && s.failed > 0) problems.push(`${id} was answered with an error ${s.failed} times, which the tour never did`);
	}
	return problems;
}

// attemptLog compares Hookline's attempts for label's endpoint with what
// the receiver got: the same count per message, the same statuses.
async function attemptLog(ctx, label, got) {
	const { t, svix, appUid, wait } = ctx;
	const count = (list, ok) => {
		const m = new Map();
		for (const [id, status] of list) {
			const k = `${id} ${ok(status) ? "ok" : "failed"}`;
			m.set(k, (m.get(k) ?? 0) + 1);
		}
		return m;
	};
	const received = count(
		got.map((d) => [d.headers["webhook-id"], d.status]),
		(s) => s < 300,
	);
	const asText = (m) => [...m].sort().map(([k, n]) => `${k} x${n}`).join(", ");
	await t.call(
		`messageAttempt.listByEndpoint (${label}: every attempt, as the receiver saw them)`,
		() => listAll((iterator) => svix.messageAttempt.listByEndpoint(appUid, label, { limit: 100, iterator })),
		(pages, c) => {
			for (const b of c.bodies) c.shape("ListResponseMessageAttemptOut", b);
			const logged = count(
				c.items.map((a) => [a.msgId, a.responseStatusCode]),
				(s) => s >= 200 && s < 300,
			);
			c.eq("attempts per message", asText(logged), asText(received));
		},
		{
			until: (pages) => pages.reduce((n, p) => n + p.data.length, 0) >= got.length,
			within: wait,
			what: `listing ${got.length} attempts`,
		},
	);
}

function sortKeys(v) {
	if (Array.isArray(v)) return v.map(sortKeys);
	if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
	return v;
}
