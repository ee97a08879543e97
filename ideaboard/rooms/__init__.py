"""The live room: codes and QR, joining as a participant, presence, and real-time delivery."""
