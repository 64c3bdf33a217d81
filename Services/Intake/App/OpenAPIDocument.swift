// The OpenAPI 3.1 document of intake's HTTP API, served at `GET /openapi.json`. Kept here, in
// the repository, as the one source; IntakeHTTPTests checks that every route it exercises is
// documented. The same operations answer on the ROUTER (docs/intake.md, "ZeroMQ").
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Precinct intake",
            "version": "1.0.0",
            "description": "Takes 110 / 122 / 12345 / enterprise-hotline calls. Every call is recorded, even when rejected, merged, diverted or left for review. The same JSON is accepted on intake's ZeroMQ ROUTER as [{\"op\":\"call\"}, <call>]. See docs/intake.md."
          },
          "paths": {
            "/v1/calls": {
              "post": {
                "summary": "Submit a call",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallRequest"}}}},
                "responses": {
                  "201": {"description": "Recorded: opened, merged or diverted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallReceipt"}}}},
                  "202": {"description": "Recorded, no rule classified it: outcome review; classify it with POST /v1/calls/{id}/classify", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallReceipt"}}}},
                  "200": {"description": "The same clientRef was sent before: the first answer, nothing new recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallReceipt"}}}},
                  "400": {"description": "Unreadable (broken JSON, wrong type); recorded as rejected", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "413": {"description": "Body over 65536 bytes; recorded as rejected", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "422": {"description": "Readable but not acceptable (unknown channel, missing field for the channel, impossible time, coordinates outside the jurisdiction); recorded as rejected", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "503": {"description": "Not recorded (shutting down)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              },
              "get": {
                "summary": "List calls, filtered, in the order they were recorded",
                "parameters": [
                  {"name": "channel", "in": "query", "schema": {"$ref": "#/components/schemas/Channel"}},
                  {"name": "outcome", "in": "query", "schema": {"$ref": "#/components/schemas/Outcome"}},
                  {"name": "reason", "in": "query", "description": "rejection code, merge reason or diversion rule", "schema": {"type": "string"}},
                  {"name": "callTaker", "in": "query", "schema": {"type": "string"}},
                  {"name": "caller", "in": "query", "description": "caller's phone", "schema": {"type": "string"}},
                  {"name": "incidentId", "in": "query", "schema": {"type": "string"}},
                  {"name": "category", "in": "query", "schema": {"$ref": "#/components/schemas/Category"}},
                  {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                  {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                  {"name": "after", "in": "query", "description": "cursor: the `next` of the previous page", "schema": {"type": "string"}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
                ],
                "responses": {
                  "200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallPage"}}}},
                  "400": {"description": "A bad filter (names it)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/calls/{id}": {
              "get": {
                "summary": "One call as recorded",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The call", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallRecord"}}}},
                  "404": {"description": "No such call", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/calls/{id}/classify": {
              "post": {
                "summary": "The call-taker classifies a call left for review; it then opens, merges or is diverted",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["category"], "properties": {"category": {"$ref": "#/components/schemas/Category"}, "callTaker": {"type": "string"}}}}}},
                "responses": {
                  "201": {"description": "Classified", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallReceipt"}}}},
                  "400": {"description": "Bad body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "404": {"description": "No such call", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "409": {"description": "The call is not waiting for review", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/calls/count": {
              "get": {
                "summary": "Calls recorded whose clientRef starts with a prefix (load-test verification)",
                "parameters": [{"name": "clientRefPrefix", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The count", "content": {"application/json": {"schema": {"type": "object", "properties": {"clientRefPrefix": {"type": "string"}, "count": {"type": "string"}}}}}}}
              }
            },
            "/v1/incidents/{id}": {
              "get": {
                "summary": "An incident with every call that opened or joined it",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The incident", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Incident"}}}},
                  "404": {"description": "No such incident", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/callers": {
              "get": {
                "summary": "The ledger of repeat and malicious callers",
                "parameters": [
                  {"name": "flag", "in": "query", "schema": {"type": "string", "enum": ["repeat", "malicious"]}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
                ],
                "responses": {
                  "200": {"description": "Flagged callers", "content": {"application/json": {"schema": {"type": "object", "properties": {"callers": {"type": "array", "items": {"type": "object", "properties": {"phone": {"type": "string"}, "falseReports": {"type": "string"}, "repeatSince": {"type": "string", "format": "date-time"}, "maliciousSince": {"type": "string", "format": "date-time"}}}}}}}}},
                  "400": {"description": "Unknown flag", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/callers/{phone}": {
              "get": {
                "summary": "One caller's ledger entry: calls by outcome, false reports, repeat/malicious flags, recent calls",
                "parameters": [{"name": "phone", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The caller", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Caller"}}}},
                  "404": {"description": "Never called", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
              }
            },
            "/v1/stats": {
              "get": {
                "summary": "Counts: calls, incidents, calls_<outcome>, calls_channel_<channel>, calls_rejected_<reason>, calls_merged_<reason>, calls_diverted_<rule>, incidents_<status>",
                "responses": {"200": {"description": "Counts", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}
              }
            },
            "/openapi.json": {
              "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            },
            "/healthz": {"get": {"summary": "Alive", "responses": {"200": {"description": "Alive"}}}},
            "/readyz": {"get": {"summary": "Ready (store open, bus bound, caught up with dispatch)", "responses": {"200": {"description": "Ready"}, "503": {"description": "Not ready, with the reason"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics, among them precinct_intake_calls_total{channel,outcome,reason}", "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
          },
          "components": {
            "schemas": {
              "Channel": {"type": "string", "enum": ["110", "122", "12345", "enterprise"]},
              "Category": {"type": "string", "enum": ["criminal", "publicOrder", "dispute", "accidentMinor", "accidentCasualty", "helpRequest", "nonPolice"]},
              "Outcome": {"type": "string", "enum": ["opened", "merged", "diverted", "rejected", "review"]},
              "CallRequest": {
                "type": "object",
                "required": ["channel"],
                "description": "Per channel also required: 110 nothing more; 122 caller.phone, callTaker; 12345 description, callTaker, referral.ticketId or caller.phone; enterprise caller.phone, description, callTaker, location or enterpriseId.",
                "properties": {
                  "channel": {"$ref": "#/components/schemas/Channel"},
                  "caller": {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
                  "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}, "address": {"type": "string", "description": "a standard address (标准地址)"}}},
                  "categoryHint": {"$ref": "#/components/schemas/Category"},
                  "description": {"type": "string"},
                  "receivedAt": {"type": "string", "format": "date-time", "description": "intake's clock when absent; at most 5 minutes ahead of it and 24 hours behind"},
                  "callTaker": {"type": "string"},
                  "casualties": {"type": "integer", "minimum": 0},
                  "partiesConsent": {"type": "boolean"},
                  "enterpriseId": {"type": "string"},
                  "clientRef": {"type": "string", "description": "idempotency key"},
                  "referral": {"type": "object", "properties": {"ticketId": {"type": "string"}, "department": {"type": "string"}}},
                  "mergeInto": {"type": "string", "description": "the call-taker merges the call into this open incident (merge reason callTaker)"}
                }
              },
              "GridLocation": {"type": "object", "properties": {"gridId": {"type": "string"}, "stationId": {"type": "string"}, "postId": {"type": "string"}, "regionId": {"type": "string"}, "urban": {"type": "boolean"}}},
              "Diversion": {"type": "object", "properties": {"ruleId": {"type": "string"}, "matter": {"type": "string"}, "department": {"type": "string"}}},
              "CallReceipt": {
                "type": "object",
                "required": ["callId", "outcome"],
                "properties": {
                  "callId": {"type": "string"}, "incidentId": {"type": "string"}, "outcome": {"$ref": "#/components/schemas/Outcome"},
                  "location": {"$ref": "#/components/schemas/GridLocation"}, "category": {"$ref": "#/components/schemas/Category"},
                  "priority": {"type": "integer"}, "categorySource": {"type": "string"}, "enterpriseRelated": {"type": "boolean"}, "casualties": {"type": "integer"},
                  "mergeReason": {"type": "string", "enum": ["sameCaller", "samePlace", "callTaker"]}, "diversion": {"$ref": "#/components/schemas/Diversion"},
                  "flags": {"type": "array", "items": {"type": "string", "enum": ["location-unresolved", "needs-review", "repeat-caller", "malicious-caller"]}}
                }
              },
              "CallRecord": {
                "type": "object",
                "properties": {
                  "callId": {"type": "string"}, "receivedAt": {"type": "string", "format": "date-time"}, "channel": {"type": "string"}, "outcome": {"type": "string"},
                  "status": {"type": "integer"}, "reasonCode": {"type": "string"}, "reasonField": {"type": "string"}, "reason": {"type": "string"},
                  "incidentId": {"type": "string"}, "category": {"type": "string"}, "categorySource": {"type": "string"}, "priority": {"type": "integer"},
                  "enterpriseRelated": {"type": "boolean"}, "casualties": {"type": "integer"}, "mergeReason": {"type": "string"},
                  "diversion": {"$ref": "#/components/schemas/Diversion"}, "flags": {"type": "array", "items": {"type": "string"}},
                  "location": {"$ref": "#/components/schemas/GridLocation"}, "coordinate": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
                  "address": {"type": "string"}, "caller": {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
                  "callTaker": {"type": "string"}, "clientRef": {"type": "string"}, "description": {"type": "string"}
                }
              },
              "CallPage": {"type": "object", "properties": {"calls": {"type": "array", "items": {"$ref": "#/components/schemas/CallRecord"}}, "next": {"type": "string"}}},
              "Incident": {
                "type": "object",
                "properties": {
                  "incidentId": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]}, "category": {"type": "string"}, "priority": {"type": "integer"},
                  "openedAt": {"type": "string", "format": "date-time"}, "lastCallAt": {"type": "string", "format": "date-time"}, "closedAt": {"type": "string", "format": "date-time"},
                  "closeOutcome": {"type": "string"}, "callCount": {"type": "integer"}, "enterpriseRelated": {"type": "boolean"}, "casualties": {"type": "integer"},
                  "location": {"$ref": "#/components/schemas/GridLocation"}, "address": {"type": "string"},
                  "calls": {"type": "array", "items": {"$ref": "#/components/schemas/CallRecord"}},
                  "major": {"type": "boolean"},
                  "upgrades": {"type": "array", "items": {"type": "object", "required": ["callId", "at", "reason"], "properties": {
                    "callId": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "category": {"type": "string"}, "priority": {"type": "integer"},
                    "major": {"type": "boolean"}, "casualties": {"type": "integer"}, "reason": {"type": "string"}}}}
                }
              },
              "Caller": {
                "type": "object",
                "properties": {
                  "phone": {"type": "string"}, "calls": {"type": "integer"}, "byOutcome": {"type": "object", "additionalProperties": {"type": "integer"}},
                  "incidents": {"type": "integer"}, "falseReports": {"type": "integer"}, "repeatCaller": {"type": "boolean"}, "maliciousCaller": {"type": "boolean"},
                  "repeatSince": {"type": "string", "format": "date-time"}, "maliciousSince": {"type": "string", "format": "date-time"},
                  "firstCallAt": {"type": "string", "format": "date-time"}, "lastCallAt": {"type": "string", "format": "date-time"},
                  "recentCalls": {"type": "array", "items": {"$ref": "#/components/schemas/CallRecord"}}
                }
              },
              "Error": {
                "type": "object",
                "required": ["error"],
                "description": "The one error shape of every Precinct service (docs/intake.md, \"Errors\").",
                "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                  "code": {"type": "string", "description": "reason code: invalid-json, wrong-type, too-large, unknown-channel, unknown-category, missing-field, invalid-value, invalid-coordinates, outside-jurisdiction, impossible-time, invalid-request, not-found, not-in-review, unavailable"},
                  "message": {"type": "string", "description": "for people: the field and the reason; for a rejected call, the record it was kept under"},
                  "field": {"type": "string", "description": "the field at fault, e.g. location, receivedAt, caller.phone; absent when the request as a whole is wrong"},
                  "callId": {"type": "string", "description": "the record a rejected call was stored under"}}}}
              }
            }
          }
        }
        """#
}
