/// The OpenAPI 3.1 description of `/v1`, served at `GET /openapi.json`. `OpenAPITests` checks
/// that its paths and methods are exactly the routes the server registers, so it cannot drift;
/// schemathesis (`tools/schemathesis`) checks the live server's answers against it.
enum OpenAPI {
    static let document = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "quire",
    "version": "1.0.0",
    "description": "Exam-paper import sessions kept as an immutable, hash-chained event log. Every route mirrors a CLI command and answers with the same JSON fields as its --json. Errors are {\"error\": {\"code\", \"message\"}}."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "security": [
    {
      "bearer": []
    }
  ],
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "HS256 with $QUIRE_JWT_SECRET; sub is the user's id, exp required."
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "expected_version": {
                "type": "integer"
              },
              "actual_version": {
                "type": "integer"
              },
              "existing_session": {
                "type": "string"
              }
            }
          }
        }
      },
      "Warning": {
        "type": "object",
        "required": [
          "code",
          "message"
        ],
        "properties": {
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "session_id": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "SessionFields": {
        "description": "The fields a session and a monitor row share.",
        "type": "object",
        "required": [
          "id",
          "owner_id",
          "owner_email",
          "name",
          "file_name",
          "status",
          "step",
          "progress",
          "question_count",
          "questions_imported",
          "json_hash",
          "legacy",
          "version",
          "created_at",
          "updated_at",
          "last_accessed_at"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "owner_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "owner_email": {
            "type": [
              "string",
              "null"
            ]
          },
          "name": {
            "type": "string"
          },
          "file_name": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "in_progress",
              "completed",
              "deleted",
              "expired"
            ]
          },
          "step": {
            "type": "string",
            "enum": [
              "upload",
              "structure",
              "metadata",
              "questions",
              "review"
            ]
          },
          "progress": {
            "type": "integer",
            "minimum": 0,
            "maximum": 100
          },
          "question_count": {
            "type": "integer",
            "minimum": 0
          },
          "questions_imported": {
            "type": "integer",
            "minimum": 0
          },
          "json_hash": {
            "type": [
              "string",
              "null"
            ]
          },
          "legacy": {
            "type": "boolean"
          },
          "version": {
            "type": "integer",
            "minimum": 1,
            "description": "The session stream's version: every event moves it, an access too."
          },
          "content_version": {
            "type": "integer",
            "minimum": 1,
            "description": "The version to compare (ETag, If-Match, expected_version): it moves only when the session's content changes. Absent in monitor rows."
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "updated_at": {
            "type": "string",
            "format": "date-time"
          },
          "last_accessed_at": {
            "type": "string",
            "format": "date-time"
          },
          "paper": {
            "type": "object"
          },
          "metadata": {
            "type": "object"
          },
          "offered_to": {
            "type": "string",
            "description": "A pending offer's recipient (user id); absent when there is none."
          },
          "offer_expires_at": {
            "type": "string",
            "format": "date-time"
          },
          "shared_with_you": {
            "type": "string",
            "enum": [
              "editor",
              "viewer"
            ],
            "description": "Your role, on a session shared with you."
          }
        }
      },
      "Session": {
        "allOf": [
          {
            "$ref": "#/components/schemas/SessionFields"
          },
          {
            "type": "object",
            "properties": {
              "collaborators": {
                "type": "object",
                "description": "Who the session is shared with: user id to editor or viewer.",
                "additionalProperties": {
                  "type": "string",
                  "enum": [
                    "editor",
                    "viewer"
                  ]
                }
              }
            }
          }
        ]
      },
      "Collaborator": {
        "type": "object",
        "required": [
          "user_id",
          "email",
          "role"
        ],
        "properties": {
          "user_id": {
            "type": "string"
          },
          "email": {
            "type": "string"
          },
          "role": {
            "type": "string",
            "enum": [
              "editor",
              "viewer"
            ]
          }
        }
      },
      "SessionResult": {
        "description": "A session, with warnings (a similar session in progress) and replayed (the same command_id again) when set.",
        "allOf": [
          {
            "$ref": "#/components/schemas/Session"
          },
          {
            "type": "object",
            "properties": {
              "warnings": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Warning"
                }
              },
              "replayed": {
                "const": true
              }
            }
          }
        ]
      },
      "MonitorRow": {
        "description": "An active session without content_version, paper and metadata, with how long it has been idle and who it is shared with.",
        "allOf": [
          {
            "$ref": "#/components/schemas/SessionFields"
          },
          {
            "type": "object",
            "required": [
              "hours_since_access",
              "collaborators"
            ],
            "properties": {
              "hours_since_access": {
                "type": "number",
                "minimum": 0
              },
              "collaborators": {
                "type": "array",
                "description": "Who the session is shared with, by email: unlike a session's own collaborators (a map of user ids to roles), a list naming each one. Empty when nobody.",
                "items": {
                  "$ref": "#/components/schemas/Collaborator"
                }
              }
            }
          }
        ]
      },
      "AuditRow": {
        "type": "object",
        "required": [
          "position",
          "recorded_at",
          "actor_id",
          "actor_email",
          "type",
          "stream",
          "session_id",
          "version",
          "command_id",
          "payload"
        ],
        "properties": {
          "position": {
            "type": "integer",
            "minimum": 1
          },
          "recorded_at": {
            "type": "string"
          },
          "actor_id": {
            "type": "string"
          },
          "actor_email": {
            "type": [
              "string",
              "null"
            ]
          },
          "type": {
            "type": "string"
          },
          "stream": {
            "type": "string"
          },
          "session_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "version": {
            "type": "integer"
          },
          "command_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "payload": {}
        }
      },
      "Event": {
        "type": "object",
        "required": [
          "position",
          "stream",
          "version",
          "type",
          "schema",
          "event_id",
          "actor",
          "command_id",
          "recorded_at",
          "payload",
          "prev_hash",
          "hash"
        ],
        "properties": {
          "position": {
            "type": "integer",
            "minimum": 1
          },
          "stream": {
            "type": "string"
          },
          "version": {
            "type": "integer"
          },
          "type": {
            "type": "string"
          },
          "schema": {
            "type": "integer"
          },
          "event_id": {
            "type": "string"
          },
          "actor": {
            "type": "string"
          },
          "command_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "recorded_at": {
            "type": "string"
          },
          "payload": {},
          "prev_hash": {
            "type": "string"
          },
          "hash": {
            "type": "string"
          }
        }
      },
      "EventPage": {
        "type": "object",
        "required": [
          "events",
          "next_after"
        ],
        "properties": {
          "events": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Event"
            }
          },
          "next_after": {
            "type": "integer",
            "minimum": 0
          }
        }
      },
      "Command": {
        "type": "object",
        "required": [
          "type"
        ],
        "description": "A command as quire submit reads it; papers inline in paper (file paths are refused).",
        "properties": {
          "type": {
            "type": "string",
            "enum": [
              "session.create",
              "session.access",
              "session.update",
              "session.complete",
              "session.delete"
            ]
          },
          "session_id": {
            "type": "string"
          },
          "command_id": {
            "type": "string"
          },
          "paper": {
            "type": "object"
          },
          "name": {
            "type": "string"
          },
          "file_name": {
            "type": "string"
          },
          "allow_duplicate": {
            "type": "boolean"
          },
          "step": {
            "type": "string"
          },
          "progress": {
            "type": "integer"
          },
          "questions_imported": {
            "type": "integer"
          },
          "metadata": {
            "type": "object"
          },
          "expected_version": {
            "type": "integer"
          },
          "reason": {
            "type": "string"
          }
        }
      },
      "CommandResult": {
        "type": "object",
        "required": [
          "command_id",
          "ok"
        ],
        "properties": {
          "command_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "ok": {
            "type": "boolean"
          },
          "session": {
            "$ref": "#/components/schemas/Session"
          },
          "warnings": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Warning"
            }
          },
          "replayed": {
            "const": true
          },
          "error": {
            "type": "object",
            "required": [
              "code",
              "message",
              "exit_code"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "exit_code": {
                "type": "integer"
              }
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "events"
        ],
        "properties": {
          "status": {
            "const": "ok"
          },
          "events": {
            "type": "integer"
          }
        }
      }
    }
  },
  "paths": {
    "/v1/sessions": {
      "post": {
        "operationId": "createSession",
        "summary": "Start an import: the paper is the body.",
        "parameters": [
          {
            "name": "name",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The session's name (default: from the paper)."
          },
          {
            "name": "file_name",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The file's name (default paper.json)."
          },
          {
            "name": "allow_duplicate",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean"
            },
            "description": "Import it even if you already imported the same file."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "description": "A paper: a JSON object whose questions array gives the question count."
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "200": {
            "description": "The same command_id again: the first result.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A duplicate paper, a session not in progress, a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "get": {
        "operationId": "listSessions",
        "summary": "Your sessions and the legacy ones, most recently used first.",
        "responses": {
          "200": {
            "description": "The sessions.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Session"
                  }
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/resume": {
      "get": {
        "operationId": "resumeSession",
        "summary": "Open your most recently used in-progress session (recorded as an access).",
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}": {
      "get": {
        "operationId": "showSession",
        "summary": "Open a session (recorded as an access).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          }
        ],
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A duplicate paper, a session not in progress, a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "patch": {
        "operationId": "updateSession",
        "summary": "Record progress.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The version the client saw: 3, \"3\" or W/\"3\"."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "step": {
                    "type": "string",
                    "enum": [
                      "upload",
                      "structure",
                      "metadata",
                      "questions",
                      "review"
                    ]
                  },
                  "progress": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 100
                  },
                  "questions_imported": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "metadata": {
                    "type": "object",
                    "description": "Keys to set; a null value removes the key."
                  },
                  "expected_version": {
                    "type": "integer"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A duplicate paper, a session not in progress, a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "412": {
            "description": "The session changed since the version named in If-Match.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "delete": {
        "operationId": "deleteSession",
        "summary": "Discard a session.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The version the client saw: 3, \"3\" or W/\"3\"."
          },
          {
            "name": "reason",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Why."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "reason": {
                    "type": "string"
                  },
                  "expected_version": {
                    "type": "integer"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A duplicate paper, a session not in progress, a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "412": {
            "description": "The session changed since the version named in If-Match.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/complete": {
      "post": {
        "operationId": "completeSession",
        "summary": "Finish an import.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The version the client saw: 3, \"3\" or W/\"3\"."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "questions_imported": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "expected_version": {
                    "type": "integer"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A duplicate paper, a session not in progress, a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "412": {
            "description": "The session changed since the version named in If-Match.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/reopen": {
      "post": {
        "operationId": "reopenSession",
        "summary": "Put an expired session back in progress (its owner; appends session.reopened).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "If-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The version the client saw: 3, \"3\" or W/\"3\"."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "expected_version": {
                    "type": "integer"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The session is not expired (in progress or completed), a version conflict, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "412": {
            "description": "The session changed since the version named in If-Match.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/monitor/summary": {
      "get": {
        "operationId": "monitorSummary",
        "summary": "The monitor's counts: active and expired sessions, the stored timeout and this server's last sweep (system admins).",
        "responses": {
          "200": {
            "description": "The counts.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "active",
                    "expired"
                  ],
                  "properties": {
                    "active": {
                      "type": "integer"
                    },
                    "expired": {
                      "type": "integer"
                    },
                    "expire_after": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "last_sweep_at": {
                      "type": [
                        "string",
                        "null"
                      ],
                      "format": "date-time"
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/settings": {
      "get": {
        "operationId": "listSettings",
        "summary": "The settings stored in the log (expire_after).",
        "responses": {
          "200": {
            "description": "Every setting.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "key",
                      "about"
                    ],
                    "properties": {
                      "key": {
                        "type": "string"
                      },
                      "value": {
                        "type": [
                          "string",
                          "null"
                        ]
                      },
                      "about": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/settings/{key}": {
      "put": {
        "operationId": "setSetting",
        "summary": "Store a setting in the log (system admins; appends setting.changed).",
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "expire_after"
              ]
            },
            "description": "The setting."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "value"
                ],
                "properties": {
                  "value": {
                    "type": "string",
                    "description": "A duration of at least 1s (90s, 30m, 8h, 14d) or off."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The setting as stored.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "key",
                    "about"
                  ],
                  "properties": {
                    "key": {
                      "type": "string"
                    },
                    "value": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "about": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          },
          "409": {
            "description": "A reused command_id (the same id was used for a different command).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/transfer": {
      "post": {
        "operationId": "transferSession",
        "summary": "Give a session (anyone's, or a legacy one) to another active user (system admins; appends session.transferred).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "to"
                ],
                "properties": {
                  "to": {
                    "type": "string",
                    "description": "The new owner, by email or id."
                  },
                  "reason": {
                    "type": "string"
                  },
                  "allow_duplicate": {
                    "type": "boolean"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session (or it is deleted).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The new owner already has this file (allow_duplicate to transfer anyway), or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/offer": {
      "post": {
        "operationId": "offerSession",
        "summary": "Offer your session to another user, who has 7 days to accept it (appends session.offered).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "to"
                ],
                "properties": {
                  "to": {
                    "type": "string",
                    "description": "The recipient, by email or id."
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The session is already offered to someone, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/accept": {
      "post": {
        "operationId": "acceptOffer",
        "summary": "Accept a session offered to you: it becomes yours (appends session.accepted).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "allow_duplicate": {
                    "type": "boolean"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "You already have this file (allow_duplicate to accept anyway), the offer lapsed, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/decline": {
      "post": {
        "operationId": "declineOffer",
        "summary": "Decline a session offered to you (appends session.declined).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The session is not offered to you any more, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/offers": {
      "get": {
        "operationId": "listOffers",
        "summary": "Sessions offered to you and not yet answered.",
        "responses": {
          "200": {
            "description": "The offered sessions.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Session"
                  }
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/share": {
      "post": {
        "operationId": "shareSession",
        "summary": "Share a session with a collaborator, editor or viewer (its owner or a system admin; appends session.collaborator_added).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "with"
                ],
                "properties": {
                  "with": {
                    "type": "string",
                    "description": "The collaborator, by email or id."
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "editor",
                      "viewer"
                    ]
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "Already shared with them in that role, or a reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/sessions/{id}/unshare": {
      "post": {
        "operationId": "unshareSession",
        "summary": "Stop sharing a session with a collaborator (appends session.collaborator_removed).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The session's id."
          },
          {
            "name": "command_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "Idempotency key: the same id again returns the first result."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "with"
                ],
                "properties": {
                  "with": {
                    "type": "string"
                  },
                  "command_id": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The session.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SessionResult"
                }
              }
            },
            "headers": {
              "ETag": {
                "description": "The session's version, for If-Match.",
                "schema": {
                  "type": "string"
                }
              },
              "Quire-Command-Id": {
                "description": "The command's id (for explain).",
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such session — or not yours, which is the same answer on purpose (the attempt is recorded).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A reused command_id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/cleanup": {
      "post": {
        "operationId": "cleanup",
        "summary": "Delete the sessions a filter matches, each with its own session.deleted under one command id (system admins: everyone's; admins: their own and the legacy ones).",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "legacy": {
                    "type": "boolean"
                  },
                  "expired": {
                    "type": "boolean"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "in_progress",
                      "completed",
                      "expired"
                    ]
                  },
                  "older_than": {
                    "type": "string",
                    "description": "A duration: 90d."
                  },
                  "owner": {
                    "type": "string"
                  },
                  "idle_hours": {
                    "type": "number",
                    "minimum": 0
                  },
                  "dry_run": {
                    "type": "boolean"
                  },
                  "yes": {
                    "type": "boolean",
                    "description": "Needed above 20 sessions."
                  },
                  "command_id": {
                    "type": "string",
                    "description": "The same id again repeats (nothing appended) or resumes the cleanup."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "What was (or, with dry_run, would be) deleted.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "dry_run",
                    "filter",
                    "sessions",
                    "deleted"
                  ],
                  "properties": {
                    "command_id": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "dry_run": {
                      "type": "boolean"
                    },
                    "filter": {
                      "type": "string"
                    },
                    "sessions": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "session_id": {
                            "type": "string"
                          },
                          "name": {
                            "type": "string"
                          },
                          "owner_email": {
                            "type": [
                              "string",
                              "null"
                            ]
                          },
                          "status": {
                            "type": "string"
                          }
                        }
                      }
                    },
                    "deleted": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/monitor": {
      "get": {
        "operationId": "monitor",
        "summary": "Every active session of everyone, stalest first, with its owner and collaborators (system admins).",
        "parameters": [
          {
            "name": "stale_hours",
            "in": "query",
            "required": false,
            "schema": {
              "type": "number",
              "minimum": 0,
              "maximum": 1000000
            },
            "description": "Only sessions idle at least this many hours."
          }
        ],
        "responses": {
          "200": {
            "description": "The active sessions.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/MonitorRow"
                  }
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/audit": {
      "get": {
        "operationId": "audit",
        "summary": "Who did what, newest first; an admin sees their own actions.",
        "parameters": [
          {
            "name": "actor",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "A user's email or id, or system."
          },
          {
            "name": "session",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "A session id."
          },
          {
            "name": "type",
            "in": "query",
            "required": false,
            "schema": {
              "type": "array",
              "items": {
                "type": "string"
              }
            },
            "style": "form",
            "explode": true,
            "description": "Type prefixes, e.g. session."
          },
          {
            "name": "since",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "An RFC 3339 time or a duration ago (30m, 24h, 7d)."
          },
          {
            "name": "until",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "An RFC 3339 time or a duration ago."
          },
          {
            "name": "denied",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean"
            },
            "description": "Only access.denied events."
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 10000
            },
            "description": "At most this many rows (1000)."
          }
        ],
        "responses": {
          "200": {
            "description": "The events.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/AuditRow"
                  }
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The user's role does not allow it (the attempt is recorded as access.denied).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/commands": {
      "post": {
        "operationId": "commands",
        "summary": "One command, or an array of them, as quire submit reads them.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "oneOf": [
                  {
                    "$ref": "#/components/schemas/Command"
                  },
                  {
                    "type": "array",
                    "maxItems": 1000,
                    "items": {
                      "$ref": "#/components/schemas/Command"
                    }
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "One result per command; an array is answered 200 whatever each result.",
            "content": {
              "application/json": {
                "schema": {
                  "oneOf": [
                    {
                      "$ref": "#/components/schemas/CommandResult"
                    },
                    {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/CommandResult"
                      }
                    }
                  ]
                }
              }
            }
          },
          "400": {
            "description": "An invalid command (a single one: its result).",
            "content": {
              "application/json": {
                "schema": {
                  "anyOf": [
                    {
                      "$ref": "#/components/schemas/CommandResult"
                    },
                    {
                      "$ref": "#/components/schemas/Error"
                    }
                  ]
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "A single command the role does not allow.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CommandResult"
                }
              }
            }
          },
          "404": {
            "description": "A single command on a session that is missing or not yours.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CommandResult"
                }
              }
            }
          },
          "409": {
            "description": "A single command refused by a rule.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CommandResult"
                }
              }
            }
          },
          "413": {
            "description": "The body is over the paper limit.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/events": {
      "get": {
        "operationId": "events",
        "summary": "The log in order; system admins see every event, admins their own.",
        "parameters": [
          {
            "name": "after",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            },
            "description": "Events after this position."
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            },
            "description": "At most this many (100)."
          }
        ],
        "responses": {
          "200": {
            "description": "A page of events.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventPage"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/checkpoint": {
      "get": {
        "operationId": "checkpoint",
        "summary": "The log's signed checkpoint (C2SP tlog-checkpoint note: origin, size, base64 root, Ed25519 signature line). Public: hashes only.",
        "security": [],
        "responses": {
          "200": {"description": "The note as text/plain, or its fields as JSON with Accept: application/json.", "content": {"text/plain": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object", "required": ["origin", "size", "root_hash", "note", "verifier_key"]}}}},
          "404": {"description": "This server signs no checkpoints (started without --signing-key).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      }
    },
    "/v1/proofs/inclusion": {
      "get": {
        "operationId": "inclusionProof",
        "summary": "An event's RFC 9162 inclusion proof (audit path, leaf to root, hex) in the tree of size events. Public: hashes only.",
        "security": [],
        "parameters": [{"name": "position", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}, "description": "The event's position (1 is the first)."}, {"name": "size", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}, "description": "The tree size (default: the whole log)."}],
        "responses": {
          "200": {"description": "The proof, as quire prove --json prints it (without the event).", "content": {"application/json": {"schema": {"type": "object", "required": ["position", "size", "leaf_index", "event_hash", "leaf_hash", "proof", "root"]}}}},
          "400": {"description": "A missing, unknown or malformed query parameter, named.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "404": {"description": "No such position or size in the log.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      }
    },
    "/v1/proofs/consistency": {
      "get": {
        "operationId": "consistencyProof",
        "summary": "The RFC 9162 consistency proof that the log at to events extends the log at from events. Public: hashes only.",
        "security": [],
        "parameters": [{"name": "from", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}, "description": "The older tree size."}, {"name": "to", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}, "description": "The newer tree size (default: the whole log)."}],
        "responses": {
          "200": {"description": "The proof, as quire consistency --json prints it.", "content": {"application/json": {"schema": {"type": "object", "required": ["from", "to", "from_root", "to_root", "proof"]}}}},
          "400": {"description": "A missing, unknown or malformed query parameter, named.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "404": {"description": "The log is shorter than to.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      }
    },
    "/v1/events/stream": {
      "get": {
        "operationId": "eventStream",
        "summary": "The same events as server-sent events: id is the position, event the type, data the JSON of /v1/events.",
        "parameters": [
          {
            "name": "after",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            },
            "description": "Start after this position."
          },
          {
            "name": "Last-Event-ID",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            },
            "description": "A reconnecting client's last position (wins over after)."
          }
        ],
        "responses": {
          "200": {
            "description": "The stream.",
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "Invalid input: bad JSON, a wrong-typed, unknown or out-of-range field or query parameter, named in the message.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "No, bad or expired bearer token, or an unknown or deactivated user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "description": "Too many event streams open for this user.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
