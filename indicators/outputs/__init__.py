"""What leaves RegioMonitor: downloads for analysts and the Landrat summary with its PDF."""
