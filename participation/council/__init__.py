"""The council paper (Ratsvorlage) of a strategy and its consultations in committees and
the council, entered by the office or imported from an OParl 1.1 endpoint."""
