"""The model registry: importing it registers every table on `Base.metadata` (Alembic and the tests use it)."""

from __future__ import annotations

from checker.accounts import models as accounts_models
from checker.agency import models as agency_models
from checker.agency import recheck_models, state_models
from checker.alerts import models as alerts_models
from checker.company import models as company_models
from checker.models import Base
from checker.staff import impact_models, sample_models
from checker.staff import models as staff_models

MODEL_MODULES = (company_models, accounts_models, agency_models, recheck_models, state_models, alerts_models, impact_models,
                 sample_models, staff_models)
metadata = Base.metadata

__all__ = ["MODEL_MODULES", "Base", "metadata"]
