// endpoints.mjs tours the endpoint resource: create, read, update, patch,
// list, delete, custom headers and secrets. Each endpoint points at its
// own path of the tour's receiver, named by its label.
//
//   main      user.created and user.deleted, custom headers, a given secret
//   invoices  invoice.paid on channel "eu"; its secret is rotated later
//   flaky     user.created and invoice.paid; the receiver fails it until
//             it is recovered
//   scratch   created and deleted

import { ids, newSecret, sorted } from "./util.mjs";

export async function endpoints(ctx) {
	const { t, svix, appUid, rcv, types } = ctx;
	const mainSecret = newSecret();
	const mainIn = {
		url: rcv.url("main"),
		uid: "main",
		description: "primary",
		filterTypes: [types.userCreated, types.userDeleted],
		metadata: { team: "tour" },
		headers: { "X-Tenant": "acme" },
		secret: mainSecret,
		rateLimit: 1000,
		version: 1,
	};
	await createEndpoint(ctx, "main", mainIn, (c) => {
		c.eq("url", c.body?.url, mainIn.url);
		c.eq("uid", c.body?.uid, "main");
		c.eq("description", c.body?.description, "primary");
		c.eq("filterTypes", sorted(c.body?.filterTypes), sorted(mainIn.filterTypes));
		c.eq("metadata", c.body?.metadata, { team: "tour" });
		c.eq("rateLimit", c.body?.rateLimit, 1000);
		c.eq("version", c.body?.version, 1);
		c.ok(!c.body?.disabled, "created disabled");
	});
	await createEndpoint(ctx, "invoices", { url: rcv.url("invoices"), uid: "invoices", filterTypes: [types.invoicePaid], channels: ["eu"] }, (c) => {
		c.eq("channels", c.body?.channels, ["eu"]);
		c.eq("filterTypes", c.body?.filterTypes, [types.invoicePaid]);
	});
	const flakyTypes = [types.userCreated, types.invoicePaid];
	await createEndpoint(ctx, "flaky", { url: rcv.url("flaky"), uid: "flaky", description: "fails until recovered", filterTypes: flakyTypes }, (c) => {
		c.ok(c.body?.channels == null, `channels ${JSON.stringify(c.body?.channels)}, want none (every channel)`);
	});
	await createEndpoint(ctx, "scratch", { url: rcv.url("scratch"), uid: "scratch" }, () => {});

	await t.call("endpoint.get (by uid)", () => svix.endpoint.get(appUid, "main"), (ep, c) => {
		c.shape("EndpointOut");
		c.eq("id", c.body?.id, ctx.endpointIds.get("main"));
		c.eq("description", c.body?.description, "primary");
	});
	await t.call(
		"endpoint.update",
		() => svix.endpoint.update(appUid, "main", { ...without(mainIn, "headers", "secret"), description: "primary v2", metadata: { team: "tour", v: "2" } }),
		(ep, c) => {
			c.shape("EndpointOut");
			c.eq("description", c.body?.description, "primary v2");
			c.eq("metadata", c.body?.metadata, { team: "tour", v: "2" });
			c.eq("filterTypes", sorted(c.body?.filterTypes), sorted(mainIn.filterTypes));
		},
	);
	await t.call("endpoint.patch", () => svix.endpoint.patch(appUid, "main", { description: "primary v3" }), (ep, c) => {
		c.shape("EndpointOut");
		c.eq("description", c.body?.description, "primary v3");
		c.eq("metadata (kept by a patch)", c.body?.metadata, { team: "tour", v: "2" });
		c.eq("filterTypes (kept by a patch)", sorted(c.body?.filterTypes), sorted(mainIn.filterTypes));
		c.eq("rateLimit (kept by a patch)", c.body?.rateLimit, 1000);
	});
	await t.call("endpoint.delete", () => svix.endpoint.delete(appUid, "scratch"), (_, c) => {
		c.status(204);
		c.emptyBody();
	});
	await t.callFails("endpoint.get (a deleted endpoint)", () => svix.endpoint.get(appUid, "scratch"), (err, c) => c.status(404));

	const want = ["main", "invoices", "flaky"].map((l) => ctx.endpointIds.get(l));
	await t.call("endpoint.list (newest first by default)", () => svix.endpoint.list(appUid), (list, c) => {
		c.shape("ListResponseEndpointOut");
		c.eq("IDs", ids(c.items), [...want].reverse());
		c.eq("done", c.body?.done, true);
	});
	await t.call("endpoint.list (order: ascending, pages of 2)", async () => {
		const first = await svix.endpoint.list(appUid, { order: "ascending", limit: 2 });
		return [first, await svix.endpoint.list(appUid, { order: "ascending", limit: 2, iterator: first.iterator })];
	}, ([first, second], c) => {
		for (const b of c.bodies) c.shape("ListResponseEndpointOut", b);
		c.eq("first page done", first.done, false);
		c.eq("IDs", ids(c.items), want);
		c.eq("second page done", second.done, true);
	});

	await headers(ctx);

	await t.call("endpoint.getSecret (the secret given at creation)", () => svix.endpoint.getSecret(appUid, "main"), (s, c) => {
		c.shape("EndpointSecretOut");
		c.eq("key", c.body?.key, mainSecret);
	});
	ctx.addSecret("main", mainSecret);
	for (const label of ["invoices", "flaky"]) {
		await t.call(`endpoint.getSecret (${label}, generated)`, () => svix.endpoint.getSecret(appUid, label), (s, c) => {
			c.shape("EndpointSecretOut");
			c.ok(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(c.body?.key ?? ""), `key ${c.body?.key} is not whsec_ and base64`);
			ctx.addSecret(label, c.body?.key);
		});
	}
}

// createEndpoint creates one endpoint and notes its ID under label.
async function createEndpoint(ctx, label, body, check) {
	const ep = await ctx.t.call(`endpoint.create ${label}`, () => ctx.svix.endpoint.create(ctx.appUid, body), (ep, c) => {
		c.status(201);
		c.shape("EndpointOut");
		c.ok(c.body?.id?.startsWith("ep_"), `id ${c.body?.id} does not start with ep_`);
		if (c.body && "eventTypes" in c.body) c.eq("eventTypes (the server spec's name for filterTypes)", sorted(c.body.eventTypes), sorted(c.body.filterTypes));
		check(c);
	});
	if (ep) ctx.endpointIds.set(label, ep.id);
}

function without(obj, ...keys) {
	const out = { ...obj };
	for (const k of keys) delete out[k];
	return out;
}

// headers tours the four header calls (two names each in this SDK) on
// main; deliveries to main must then carry exactly the final set.
async function headers(ctx) {
	const { t, svix, appUid } = ctx;
	const getHeaders = (what, want, sensitive) =>
		t.call(`endpoint.getHeaders (${what})`, () => svix.endpoint.getHeaders(appUid, "main"), (h, c) => {
			c.shape("EndpointHeadersOut");
			c.eq("headers", c.body?.headers, want);
			c.eq("sensitive", sorted(c.body?.sensitive), sensitive);
		});
	await getHeaders("given at creation", { "X-Tenant": "acme" }, []);
	await t.call(
		"endpoint.updateHeaders",
		() => svix.endpoint.updateHeaders(appUid, "main", { headers: { "X-Tenant": "acme", Authorization: "Bearer s3cret", "X-Drop": "1" } }),
		(_, c) => c.status(204),
	);
	await getHeaders("after updateHeaders; Authorization is sensitive", { "X-Tenant": "acme", "X-Drop": "1" }, ["Authorization"]);
	await t.call(
		"endpoint.patchHeaders (with deleteHeaders)",
		() => svix.endpoint.patchHeaders(appUid, "main", { headers: { "X-Extra": "1" }, deleteHeaders: ["X-Drop"] }),
		(_, c) => c.status(204),
	);
	await getHeaders("after patchHeaders deleted X-Drop", { "X-Tenant": "acme", "X-Extra": "1" }, ["Authorization"]);
	await t.call(
		"endpoint.headersUpdate",
		() => svix.endpoint.headersUpdate(appUid, "main", { headers: { "X-Tenant": "acme", "X-Extra": "1", Authorization: "Bearer s3cret", "X-Temp": "t" } }),
		(_, c) => c.status(204),
	);
	await t.call(
		"endpoint.headersPatch (with deleteHeaders)",
		() => svix.endpoint.headersPatch(appUid, "main", { headers: { "X-More": "2" }, deleteHeaders: ["X-Temp"] }),
		(_, c) => c.status(204),
	);
	await getHeaders("after headersUpdate and headersPatch", { "X-Tenant": "acme", "X-Extra": "1", "X-More": "2" }, ["Authorization"]);
	// What every delivery to main must carry, and must not.
	ctx.mainHeaders = { want: { "x-tenant": "acme", "x-extra": "1", "x-more": "2", authorization: "Bearer s3cret" }, absent: ["x-drop", "x-temp"] };
}
