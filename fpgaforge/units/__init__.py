"""Hardware unit kits: one folder per unit kind (see `fpgaforge.units.kit`).

from fpgaforge.units import kits, kit_of
for kit in kits(): print(kit.name, kit.summary)
"""

from fpgaforge.units.kit import UnitKit, kit_of, kit_of_module, kits, template_classes

__all__ = ["UnitKit", "kit_of", "kit_of_module", "kits", "template_classes"]
