// runner.mjs records each SDK call of the tour: what was sent and what
// came back on the wire (through a fetch the SDK is given), what the SDK
// returned or threw, and the checks made on it. It prints one line per
// call and can write every failure, in full, to a Markdown file.

import { writeFileSync } from "node:fs";
import { ApiException } from "svix";
import { shapeProblems } from "./shape.mjs";

// Statuses whose responses carry no body (the Response constructor
// refuses one).
const nullBodyStatus = new Set([101, 204, 205, 304]);

const maxShown = 2000; // characters of a body kept in a failure report
const maxPrinted = 4; // problems printed on a call's line

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// safely runs a predicate, counting a throw as false.
function safely(pred) {
	try {
		return Boolean(pred());
	} catch {
		return false;
	}
}

function clip(s) {
	if (s === undefined || s === null) return s;
	s = String(s);
	return s.length > maxShown ? `${s.slice(0, maxShown)}... (${s.length} characters)` : s;
}

// Checker collects the problems of one call. Each method adds a problem
// when its expectation does not hold and never throws, so one call reports
// everything that is wrong with it at once.
class Checker {
	constructor(exchanges) {
		this.exchanges = exchanges;
		this.problems = [];
	}

	// last is the last HTTP exchange of the call (the SDK may retry).
	get last() {
		return this.exchanges[this.exchanges.length - 1];
	}

	// body is the last response's body parsed as JSON; undefined if empty or
	// not JSON.
	get body() {
		return parseJSON(this.last?.response?.body);
	}

	// bodies are every response body of the call (the pages of a list).
	get bodies() {
		return this.exchanges.map((ex) => parseJSON(ex.response?.body));
	}

	// items are the raw data items of every page of a list call.
	get items() {
		return this.bodies.flatMap((b) => b?.data ?? []);
	}

	ok(cond, what) {
		if (!cond) this.problems.push(what);
		return Boolean(cond);
	}

	eq(what, got, want) {
		const g = canonical(got);
		const w = canonical(want);
		return this.ok(g === w, `${what} = ${g}, want ${w}`);
	}

	status(...want) {
		const got = this.last?.response?.status;
		return this.ok(want.includes(got), `HTTP status ${got}, want ${want.join(" or ")}`);
	}

	// shape checks the raw body (or value) against the SDK's model.
	// A problem shared by several items of a list is said once.
	shape(modelName, value = this.body) {
		const p = shapeProblems(value, modelName);
		const counts = new Map();
		for (const x of p) {
			const k = x.replace(/\[\d+\]/g, "[*]");
			counts.set(k, (counts.get(k) ?? 0) + 1);
		}
		for (const [k, n] of counts) this.problems.push(n > 1 ? `${k} (${n} times)` : k);
		return p.length === 0;
	}

	// emptyBody checks the response has no body, as the spec's 204s.
	emptyBody() {
		const text = this.last?.response?.body ?? "";
		return this.ok(text === "", `response body ${JSON.stringify(clip(text))}, want none`);
	}
}

function parseJSON(text) {
	if (!text) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

// canonical renders a value as JSON with sorted object keys, so that two
// values compare equal whatever their key order.
function canonical(v) {
	if (v === undefined) return "undefined";
	return JSON.stringify(v, (_, x) =>
		x && typeof x === "object" && !Array.isArray(x)
			? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
			: x,
	);
}

// describeError says what the SDK threw, with the body for an API error.
function describeError(err) {
	if (err instanceof ApiException) {
		const body = typeof err.body === "string" ? err.body : JSON.stringify(err.body);
		return `ApiException ${err.code}: ${clip(body)}`;
	}
	return `${err?.name ?? "Error"}: ${err?.message ?? String(err)}`;
}

export class Tour {
	constructor({ out = process.stdout } = {}) {
		this.out = out;
		this.results = []; // {name, ok, problems, thrown, exchanges, kind}
		this.log = []; // every HTTP exchange, in order
		this.fetch = this.fetch.bind(this);
	}

	// fetch is given to the SDK: it sends the request and keeps a copy of
	// both sides for the report.
	async fetch(url, init = {}) {
		const ex = {
			request: { method: init.method ?? "GET", url: String(url), body: init.body ?? null },
			response: null,
			error: null,
		};
		this.log.push(ex);
		let res;
		try {
			res = await fetch(url, init);
		} catch (err) {
			ex.error = `${err?.name}: ${err?.message}${err?.cause ? ` (${err.cause.message ?? err.cause})` : ""}`;
			throw err;
		}
		const text = await res.text();
		ex.response = { status: res.status, body: text };
		return new Response(nullBodyStatus.has(res.status) ? null : text, {
			status: res.status,
			statusText: res.statusText,
			headers: res.headers,
		});
	}

	// print writes one line per call; a long list of problems is cut (the
	// report has them all).
	print(ok, name, problems) {
		if (ok) {
			this.out.write(`ok   ${name}\n`);
			return;
		}
		const shown = problems.slice(0, maxPrinted).join("; ");
		const more = problems.length > maxPrinted ? `; and ${problems.length - maxPrinted} more` : "";
		this.out.write(`FAIL ${name}: ${shown}${more}\n`);
	}

	record(result) {
		this.results.push(result);
		this.print(result.ok, result.name, result.problems);
	}

	// call runs one SDK call that should succeed, then check(value, c) on
	// what it returned. It returns the value, or undefined when the call
	// threw (later calls then work with uids, so one failure does not hide
	// the rest of the tour).
	//
	// With opts.until, the call is repeated (with short pauses, for at most
	// opts.within ms) until until(value) holds: for what the server does in
	// the background. The report keeps the last attempt's exchanges.
	async call(name, fn, check, opts = {}) {
		const deadline = Date.now() + (opts.within ?? 0);
		let mark;
		let value;
		let thrown;
		let settled = true;
		for (let round = 0; ; round++) {
			mark = this.log.length;
			thrown = null;
			try {
				value = await fn();
			} catch (err) {
				thrown = describeError(err);
			}
			if (!opts.until) break;
			settled = thrown === null && safely(() => opts.until(value));
			if (settled || Date.now() >= deadline) break;
			await sleep(Math.min(200, 10 * 2 ** round));
		}
		const c = new Checker(this.log.slice(mark));
		if (thrown !== null) {
			c.problems.push(`the SDK threw ${thrown}`);
		} else {
			if (!settled) c.problems.push(`still not ${opts.what ?? "done"} after ${opts.within} ms`);
			if (check) {
				try {
					check(value, c);
				} catch (err) {
					c.problems.push(`checking the answer threw ${describeError(err)}`);
				}
			}
		}
		this.record({ name, ok: c.problems.length === 0, problems: c.problems, thrown, exchanges: c.exchanges, kind: "call" });
		return thrown === null ? value : undefined;
	}

	// callFails runs one SDK call that should be refused; check(err, c)
	// looks at the error (err is the SDK's ApiException). With opts.within,
	// a call that still succeeds is repeated for up to that many ms (for a
	// refusal that takes effect in the background).
	async callFails(name, fn, check, opts = {}) {
		const deadline = Date.now() + (opts.within ?? 0);
		let mark;
		let value;
		let error;
		for (let round = 0; ; round++) {
			mark = this.log.length;
			error = undefined;
			try {
				value = await fn();
			} catch (err) {
				error = err;
			}
			if (error !== undefined || Date.now() >= deadline) break;
			await sleep(Math.min(200, 10 * 2 ** round));
		}
		const c = new Checker(this.log.slice(mark));
		const thrown = error === undefined ? null : describeError(error);
		if (error === undefined) {
			c.problems.push(`succeeded (answered ${clip(canonical(value))}), want an error`);
		} else if (!(error instanceof ApiException)) {
			c.problems.push(`the SDK threw ${thrown}, want an API error`);
		} else if (check) {
			try {
				check(error, c);
			} catch (e) {
				c.problems.push(`checking the error threw ${describeError(e)}`);
			}
		}
		this.record({ name, ok: c.problems.length === 0, problems: c.problems, thrown, exchanges: c.exchanges, kind: "call" });
	}

	// check records a check that is not an SDK call (the deliveries).
	check(name, problems) {
		this.record({ name, ok: problems.length === 0, problems, thrown: null, exchanges: [], kind: "check" });
	}

	// lastOk says whether the last call or check passed: a wait for what a
	// failed call should have started would only run out.
	get lastOk() {
		return this.results.at(-1)?.ok === true;
	}

	get failures() {
		return this.results.filter((r) => !r.ok);
	}

	summary() {
		const calls = this.results.filter((r) => r.kind === "call");
		const checks = this.results.filter((r) => r.kind === "check");
		const bad = (rs) => rs.filter((r) => !r.ok).length;
		return `${calls.length} calls (${calls.length - bad(calls)} ok, ${bad(calls)} FAIL), ${checks.length} delivery checks (${checks.length - bad(checks)} ok, ${bad(checks)} FAIL)`;
	}

	// writeReport writes every failure with its exchanges as Markdown.
	writeReport(path, header) {
		const lines = [header, "", `Summary: ${this.summary()}.`, ""];
		for (const f of this.failures) {
			lines.push(`## ${f.name}`, "");
			for (const p of f.problems) lines.push(`- ${p}`);
			if (f.thrown && !f.problems.some((p) => p.includes(f.thrown))) lines.push(`- the SDK threw: \`${f.thrown.replace(/`/g, "'")}\``);
			for (const ex of f.exchanges) {
				lines.push("", "```");
				lines.push(`${ex.request.method} ${ex.request.url.replace(/^https?:\/\/[^/]+/, "")}`);
				if (ex.request.body) lines.push(`sent: ${clip(ex.request.body)}`);
				if (ex.response) lines.push(`got:  ${ex.response.status} ${clip(ex.response.body) || "(empty body)"}`);
				if (ex.error) lines.push(`got:  no answer: ${ex.error}`);
				lines.push("```");
			}
			lines.push("");
		}
		writeFileSync(path, `${lines.join("\n")}\n`);
	}
}
