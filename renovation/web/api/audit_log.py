"""The audit log in public: its latest signed checkpoint, the signing key, and proofs.

Anyone may read these: a checkpoint and a proof reveal hashes only (no event, no personal
data), and an outsider needs them to hold the operator to the history it signed.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from renovation.ledger.notes import b64, public_pem
from renovation.web import runtime
from renovation.web.access import PUBLIC, access
from renovation.web.api import error_response
from renovation.web.api.schemas import RefusalSchema
from renovation.web.api.writes import Blueprint
from renovation.web.i18n import words
from renovation.web.validation import MAX_INTEGER, Range

blp = Blueprint(
    "audit_log", __name__, url_prefix="/api/audit", description="Audit log (审计日志), public"
)


class ProofRefused(Exception):
    """A proof of a tree or leaf the log does not hold: 404, naming the query field.

    (Well-formed numbers beyond the log name something that does not exist, as an unknown
    id does; malformed ones are refused with 400 by the query schema.)"""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        super().__init__(code)
        self.field, self.code, self.params = field, code, params


@blp.errorhandler(ProofRefused)
def _refused(error: ProofRefused):
    message = words().refusal(error.code, error.params)
    return error_response(404, error.code, message, {error.field: [message]}, params=error.params)


def _position(description: str, **kwargs: Any) -> fields.Integer:
    return fields.Integer(
        required=True,
        validate=Range(min=1, max=MAX_INTEGER),
        metadata={"description": description},
        **kwargs,
    )


class InclusionQueryArgsSchema(Schema):
    position = _position(description="the event's position in the log (1-based)")
    size = _position(description="the tree size of the checkpoint held (at least position)")


class ConsistencyQueryArgsSchema(Schema):
    class Meta:
        ordered = True

    from_ = _position(data_key="from", description="the tree size of the older checkpoint")
    to = _position(description="the tree size of the newer checkpoint (at least from)")


class InclusionProofSchema(Schema):
    position = fields.Integer(required=True)
    size = fields.Integer(required=True)
    leaf_hash = fields.String(
        required=True, metadata={"description": "SHA-256(0x00 || leaf data), base64"}
    )
    proof = fields.List(
        fields.String(), required=True, metadata={"description": "RFC 9162 PATH, base64 hashes"}
    )
    root = fields.String(required=True, metadata={"description": "the tree's root at size"})


class ConsistencyProofSchema(Schema):
    from_ = fields.Integer(data_key="from", required=True)
    to = fields.Integer(required=True)
    proof = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "RFC 9162 PROOF(from, D[to]), base64 hashes"},
    )
    from_root = fields.String(required=True)
    to_root = fields.String(required=True)


def _proved(size: int, size_field: str, inner: int, inner_field: str, prove) -> dict:
    """``prove(tree)`` on the kept tree of ``size`` leaves, once ``size`` is within the log
    and ``inner`` (a position or an older size) within that tree."""
    log = runtime().audit_log
    held, _ = log.head()
    if size > held:
        raise ProofRefused(size_field, "beyond_log_size", max=held)
    if inner > size:
        raise ProofRefused(inner_field, "beyond_tree_size", max=size)
    with log.engine.connect() as conn:
        return prove(log.tree(conn, size))


@blp.route("/checkpoints/latest")
class LatestCheckpoint(MethodView):
    @access(PUBLIC)
    @blp.response(
        200, content_type="text/plain", description="the latest signed checkpoint (a signed note)"
    )
    def get(self):
        """The latest signed checkpoint (public): keep it, and check later exports against it.

        A C2SP signed note: origin, tree size, root (base64), ``time …Z``, an empty line, and
        ``— <origin> <base64(key hash || Ed25519 signature)>``."""
        note = runtime().audit_log.latest_checkpoint().note
        return Response(note, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@blp.route("/public-key")
class PublicKey(MethodView):
    @access(PUBLIC)
    @blp.response(200, content_type="application/x-pem-file", description="Ed25519, PEM")
    def get(self):
        """The key the checkpoints are signed with (public; SubjectPublicKeyInfo PEM)."""
        pem = public_pem(runtime().audit_log.public_key)
        return Response(pem, mimetype="application/x-pem-file")


@blp.route("/proofs/inclusion")
class InclusionProof(MethodView):
    @access(PUBLIC)
    @blp.arguments(InclusionQueryArgsSchema, location="query", error_status_code=400)
    @blp.response(200, InclusionProofSchema)
    @blp.alt_response(400, schema=RefusalSchema, description="position or size malformed")
    @blp.alt_response(404, schema=RefusalSchema, description="position or size beyond the log")
    def get(self, args: dict[str, Any]):
        """Inclusion proof of the event at ``position`` in the tree of ``size`` (public)."""
        position, size = args["position"], args["size"]
        return _proved(
            size,
            "size",
            position,
            "position",
            lambda tree: {
                "position": position,
                "size": size,
                "leaf_hash": b64(tree.leaves[position - 1]),
                "proof": [b64(h) for h in tree.inclusion_proof(position - 1)],
                "root": b64(tree.root()),
            },
        )


@blp.route("/proofs/consistency")
class ConsistencyProof(MethodView):
    @access(PUBLIC)
    @blp.arguments(ConsistencyQueryArgsSchema, location="query", error_status_code=400)
    @blp.response(200, ConsistencyProofSchema)
    @blp.alt_response(400, schema=RefusalSchema, description="a size malformed")
    @blp.alt_response(404, schema=RefusalSchema, description="a size beyond the log")
    def get(self, args: dict[str, Any]):
        """Consistency proof from the tree of size ``from`` to that of size ``to`` (public)."""
        old, new = args["from_"], args["to"]
        return _proved(
            new,
            "to",
            old,
            "from",
            lambda tree: {
                "from_": old,
                "to": new,
                "proof": [b64(h) for h in tree.consistency_proof(old)],
                "from_root": b64(tree.root(old)),
                "to_root": b64(tree.root()),
            },
        )
