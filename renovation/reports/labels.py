"""Names of stages and content categories in both report languages."""

from __future__ import annotations

STAGE_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "registered": "已登记",
        "needs_survey": "问需（需求调查）",
        "intent_vote": "改造意愿征询",
        "in_plan": "纳入改造计划",
        "rejected_by_residents": "居民未同意改造",
        "design": "方案设计（问计）",
        "plan_publicized": "方案公示",
        "plan_approved": "方案批复",
        "under_construction": "施工中",
        "acceptance_inspection": "竣工验收",
        "rectification": "整改中",
        "accepted": "已验收",
        "evaluation": "问效（满意度测评）",
        "long_term_management": "长效管理",
    },
    "en": {
        "registered": "Registered",
        "needs_survey": "Needs survey",
        "intent_vote": "Intent vote",
        "in_plan": "In the plan",
        "rejected_by_residents": "Rejected by residents",
        "design": "Design",
        "plan_publicized": "Plan publicized",
        "plan_approved": "Plan approved",
        "under_construction": "Under construction",
        "acceptance_inspection": "Acceptance inspection",
        "rectification": "Rectification",
        "accepted": "Accepted",
        "evaluation": "Evaluation",
        "long_term_management": "Long-term management",
    },
}

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "zh": {"basic": "基础类", "improvement": "完善类", "upgrade": "提升类"},
    "en": {"basic": "Basic", "improvement": "Improvement", "upgrade": "Upgrade"},
}
