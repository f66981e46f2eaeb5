// unsupported.mjs calls every SDK method whose feature Hookline does not
// have (Svix's cloud-only resources: streams, connectors, ingest sources,
// integrations, transformations, statistics, ...). A user who calls one
// must learn that the call is not supported, and which: a bare 404 reads
// as "wrong ID" or "wrong URL". So each must be refused with a JSON error
// {code, detail} whose code is not "not_found", that says it is not
// supported and names the feature (its keyword below).

const notSupported = /not[ _-]?(yet[ _-])?supported|unsupported|not[ _-]?implemented/i;

export async function unsupported(ctx) {
	const { svix } = ctx;
	const app = ctx.appUid;
	const ep = "main";
	const since = new Date(Date.now() - 3600 * 1000);
	const calls = [
		["authentication.streamPortalAccess", "stream", () => svix.authentication.streamPortalAccess("strm_tour", {})],
		["authentication.streamLogout", "stream", () => svix.authentication.streamLogout()],
		["authentication.streamExpireAll", "stream", () => svix.authentication.streamExpireAll("strm_tour", {})],
		["authentication.rotateStreamPollerToken", "stream", () => svix.authentication.rotateStreamPollerToken("strm_tour", "sink_tour", {})],
		["authentication.getStreamPollerToken", "stream", () => svix.authentication.getStreamPollerToken("strm_tour", "sink_tour")],
		["backgroundTask.list", "background", () => svix.backgroundTask.list()],
		["backgroundTask.listByEndpoint", "background", () => svix.backgroundTask.listByEndpoint()],
		["backgroundTask.get", "background", () => svix.backgroundTask.get("qtask_tour")],
		["connector.list", "connector", () => svix.connector.list()],
		["connector.create", "connector", () => svix.connector.create({ name: "tour", transformation: "" })],
		["connector.get", "connector", () => svix.connector.get("conn_tour")],
		["connector.update", "connector", () => svix.connector.update("conn_tour", { transformation: "" })],
		["connector.delete", "connector", () => svix.connector.delete("conn_tour")],
		["connector.patch", "connector", () => svix.connector.patch("conn_tour", {})],
		["endpoint.transformationGet", "transformation", () => svix.endpoint.transformationGet(app, ep)],
		["endpoint.patchTransformation", "transformation", () => svix.endpoint.patchTransformation(app, ep, { enabled: false })],
		["endpoint.transformationPartialUpdate", "transformation", () => svix.endpoint.transformationPartialUpdate(app, ep, { enabled: false })],
		["endpoint.bulkReplay", "replay", () => svix.endpoint.bulkReplay(app, ep, { since })],
		["environment.export", "environment", () => svix.environment.export()],
		["environment.import", "environment", () => svix.environment.import({})],
		["eventType.importOpenapi", "openapi", () => svix.eventType.importOpenapi({ spec: {} })],
		["ingest.dashboard", "ingest", () => svix.ingest.dashboard("src_tour", {})],
		["ingest.source.list", "ingest", () => svix.ingest.source.list()],
		["ingest.source.create", "ingest", () => svix.ingest.source.create({ name: "tour", type: "generic-webhook" })],
		["ingest.source.get", "ingest", () => svix.ingest.source.get("src_tour")],
		["ingest.source.update", "ingest", () => svix.ingest.source.update("src_tour", { name: "tour", type: "generic-webhook" })],
		["ingest.source.delete", "ingest", () => svix.ingest.source.delete("src_tour")],
		["ingest.source.rotateToken", "ingest", () => svix.ingest.source.rotateToken("src_tour")],
		["ingest.endpoint.list", "ingest", () => svix.ingest.endpoint.list("src_tour")],
		["ingest.endpoint.create", "ingest", () => svix.ingest.endpoint.create("src_tour", { url: ctx.rcv.url("ingest") })],
		["ingest.endpoint.get", "ingest", () => svix.ingest.endpoint.get("src_tour", "ep_tour")],
		["ingest.endpoint.update", "ingest", () => svix.ingest.endpoint.update("src_tour", "ep_tour", { url: ctx.rcv.url("ingest") })],
		["ingest.endpoint.delete", "ingest", () => svix.ingest.endpoint.delete("src_tour", "ep_tour")],
		["ingest.endpoint.getSecret", "ingest", () => svix.ingest.endpoint.getSecret("src_tour", "ep_tour")],
		["ingest.endpoint.rotateSecret", "ingest", () => svix.ingest.endpoint.rotateSecret("src_tour", "ep_tour", {})],
		["ingest.endpoint.getHeaders", "ingest", () => svix.ingest.endpoint.getHeaders("src_tour", "ep_tour")],
		["ingest.endpoint.updateHeaders", "ingest", () => svix.ingest.endpoint.updateHeaders("src_tour", "ep_tour", { headers: {} })],
		["ingest.endpoint.getTransformation", "ingest", () => svix.ingest.endpoint.getTransformation("src_tour", "ep_tour")],
		["ingest.endpoint.setTransformation", "ingest", () => svix.ingest.endpoint.setTransformation("src_tour", "ep_tour", {})],
		["integration.list", "integration", () => svix.integration.list(app)],
		["integration.create", "integration", () => svix.integration.create(app, { name: "tour" })],
		["integration.get", "integration", () => svix.integration.get(app, "integ_tour")],
		["integration.update", "integration", () => svix.integration.update(app, "integ_tour", { name: "tour" })],
		["integration.delete", "integration", () => svix.integration.delete(app, "integ_tour")],
		["integration.rotateKey", "integration", () => svix.integration.rotateKey(app, "integ_tour")],
		["integration.getKey", "integration", () => svix.integration.getKey(app, "integ_tour")],
		["message.poller.poll", "poller", () => svix.message.poller.poll(app, "sink_tour")],
		["message.poller.consumerPoll", "poller", () => svix.message.poller.consumerPoll(app, "sink_tour", "consumer_tour")],
		["message.poller.consumerSeek", "poller", () => svix.message.poller.consumerSeek(app, "sink_tour", "consumer_tour", { after: since })],
		...operationalWebhookCalls("operationalWebhook.endpoint", () => svix.operationalWebhook.endpoint, ctx),
		...operationalWebhookCalls("operationalWebhookEndpoint", () => svix.operationalWebhookEndpoint, ctx),
		["statistics.aggregateAppStats", "stat", () => svix.statistics.aggregateAppStats({ since, until: new Date() })],
		["statistics.aggregateEventTypes", "stat", () => svix.statistics.aggregateEventTypes()],
		["streaming.sinkTransformationGet", "stream", () => svix.streaming.sinkTransformationGet("strm_tour", "sink_tour")],
		["streaming.sinkHeadersGet", "stream", () => svix.streaming.sinkHeadersGet("strm_tour", "sink_tour")],
		["streaming.sinkHeadersPatch", "stream", () => svix.streaming.sinkHeadersPatch("strm_tour", "sink_tour", { headers: {} })],
		["streaming.event_type.list", "stream", () => svix.streaming.event_type.list()],
		["streaming.event_type.create", "stream", () => svix.streaming.event_type.create({ name: "tour.stream" })],
		["streaming.event_type.get", "stream", () => svix.streaming.event_type.get("tour.stream")],
		["streaming.event_type.update", "stream", () => svix.streaming.event_type.update("tour.stream", { name: "tour.stream" })],
		["streaming.event_type.delete", "stream", () => svix.streaming.event_type.delete("tour.stream")],
		["streaming.event_type.patch", "stream", () => svix.streaming.event_type.patch("tour.stream", {})],
		["streaming.events.create", "stream", () => svix.streaming.events.create("strm_tour", { events: [] })],
		["streaming.events.get", "stream", () => svix.streaming.events.get("strm_tour", "sink_tour")],
		["streaming.stream.list", "stream", () => svix.streaming.stream.list()],
		["streaming.stream.create", "stream", () => svix.streaming.stream.create({ name: "tour" })],
		["streaming.stream.get", "stream", () => svix.streaming.stream.get("strm_tour")],
		["streaming.stream.update", "stream", () => svix.streaming.stream.update("strm_tour", { name: "tour" })],
		["streaming.stream.delete", "stream", () => svix.streaming.stream.delete("strm_tour")],
		["streaming.stream.patch", "stream", () => svix.streaming.stream.patch("strm_tour", {})],
		["streaming.sink.list", "stream", () => svix.streaming.sink.list("strm_tour")],
		["streaming.sink.create", "stream", () => svix.streaming.sink.create("strm_tour", sinkIn(ctx))],
		["streaming.sink.get", "stream", () => svix.streaming.sink.get("strm_tour", "sink_tour")],
		["streaming.sink.update", "stream", () => svix.streaming.sink.update("strm_tour", "sink_tour", sinkIn(ctx))],
		["streaming.sink.delete", "stream", () => svix.streaming.sink.delete("strm_tour", "sink_tour")],
		["streaming.sink.patch", "stream", () => svix.streaming.sink.patch("strm_tour", "sink_tour", {})],
		["streaming.sink.transformationPartialUpdate", "stream", () => svix.streaming.sink.transformationPartialUpdate("strm_tour", "sink_tour", {})],
		["streaming.sink.getSecret", "stream", () => svix.streaming.sink.getSecret("strm_tour", "sink_tour")],
		["streaming.sink.rotateSecret", "stream", () => svix.streaming.sink.rotateSecret("strm_tour", "sink_tour", {})],
	];
	for (const [name, keyword, fn] of calls) {
		await ctx.t.callFails(`${name} (not supported)`, fn, (err, c) => {
			const body = c.body;
			c.ok(err.code >= 400, `HTTP ${err.code}, want an error status`);
			if (!c.ok(body && typeof body.code === "string", `body ${c.last?.response?.body || "(empty)"} is not a {code, detail} error`)) return;
			const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
			c.ok(body.code !== "not_found", `a bare not_found (${err.code} ${JSON.stringify(body)}), want an error saying the call is not supported`);
			c.ok(notSupported.test(`${body.code} ${detail}`), `the error ${JSON.stringify(body)} does not say the call is not supported`);
			c.ok(`${body.code} ${detail}`.toLowerCase().includes(keyword), `the error ${JSON.stringify(body)} does not name the feature (${keyword})`);
		});
	}
}

// operationalWebhookCalls covers the operational-webhook endpoint
// resource, which this SDK reaches by two names. (Hookline sends its
// operational events to an ordinary app, --operational-app.)
function operationalWebhookCalls(prefix, res, ctx) {
	const id = "ep_tour";
	const body = { url: ctx.rcv.url("operational") };
	return [
		[`${prefix}.list`, "operational", () => res().list()],
		[`${prefix}.create`, "operational", () => res().create(body)],
		[`${prefix}.get`, "operational", () => res().get(id)],
		[`${prefix}.update`, "operational", () => res().update(id, body)],
		[`${prefix}.delete`, "operational", () => res().delete(id)],
		[`${prefix}.getSecret`, "operational", () => res().getSecret(id)],
		[`${prefix}.rotateSecret`, "operational", () => res().rotateSecret(id, {})],
		[`${prefix}.getHeaders`, "operational", () => res().getHeaders(id)],
		[`${prefix}.updateHeaders`, "operational", () => res().updateHeaders(id, { headers: {} })],
	];
}

function sinkIn(ctx) {
	return { type: "http", config: { url: ctx.rcv.url("sink") }, eventTypes: [] };
}
